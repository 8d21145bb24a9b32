package io.remora.xds.ads;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Listeners and clusters of an update that cannot be added, each with its reason: a translation error, a static
 * resource's name, an address that cannot be bound. Envoy adds every other listener and cluster of the update and
 * NACKs it with all the failures in one message: LdsApiImpl::onConfigUpdate appends {@code <name>: <error>\n} per
 * failed listener to {@code Error adding/updating listener(s) }, CdsApiImpl::onConfigUpdate joins CdsApiHelper's
 * {@code <name>: <error>} with {@code ", "} after {@code Error adding/updating cluster(s) }. The cycle does the same
 * ({@link UpdateRejections#rejectPartly}).
 */
public final class ResourcesRejected extends XdsRejectedException {
    private final Map<XdsResourceType, Map<String, String>> failures;

    /**
     * @param failures the reason of each failed listener and cluster by name, in the order of the update (the order
     *                 of the NACK's message)
     */
    public ResourcesRejected(Map<XdsResourceType, Map<String, String>> failures) {
        super(first(failures).getKey(), first(failures).getValue());
        EnumMap<XdsResourceType, Map<String, String>> copy = new EnumMap<>(XdsResourceType.class);
        failures.forEach((type, byName) -> {
            if (!byName.isEmpty()) {
                copy.put(type, Collections.unmodifiableMap(new LinkedHashMap<>(byName)));
            }
        });
        this.failures = Collections.unmodifiableMap(copy);
    }

    /**
     * The failures of {@code failures} ordered as {@code snapshot} holds the resources (the update's order), or null
     * when there are none.
     */
    public static ResourcesRejected inOrder(XdsSnapshot snapshot, Map<XdsResourceType, Map<String, String>> failures) {
        Map<XdsResourceType, Map<String, String>> ordered = new EnumMap<>(XdsResourceType.class);
        failures.forEach((type, byName) -> {
            Map<String, String> out = new LinkedHashMap<>();
            for (String name : snapshot.state(type).resources().keySet()) {
                if (byName.containsKey(name)) {
                    out.put(name, byName.get(name));
                }
            }
            byName.forEach(out::putIfAbsent); // a static listener's bind failure: not in the snapshot
            if (!out.isEmpty()) {
                ordered.put(type, out);
            }
        });
        return ordered.isEmpty() ? null : new ResourcesRejected(ordered);
    }

    private static Map.Entry<String, String> first(Map<XdsResourceType, Map<String, String>> failures) {
        return failures.values().stream().filter(m -> !m.isEmpty()).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no failure")).entrySet().iterator().next();
    }

    /** The types with failures. */
    public Set<XdsResourceType> types() {
        return failures.keySet();
    }

    /** The failed resources of {@code type}. */
    public Set<String> names(XdsResourceType type) {
        return failures.getOrDefault(type, Map.of()).keySet();
    }

    /** The failed resources of {@code type} with their reasons, in the update's order. */
    public Map<String, String> failures(XdsResourceType type) {
        return failures.getOrDefault(type, Map.of());
    }

    /** The NACK's error_detail for {@code type}, Envoy's text. */
    public String message(XdsResourceType type) {
        return message(type, failures(type), List.of());
    }

    /**
     * The NACK's error_detail for {@code type}'s failures, with those of a state-of-the-world response naming a
     * resource twice ({@code repeated}: every name in its order, or empty): each line where Envoy's onConfigUpdate
     * meets it, a name's own failure at its first copy and {@code duplicate listener|cluster <name> found} at each
     * later one (LdsApiImpl::onConfigUpdate, CdsApiHelper::onConfigUpdate).
     */
    static String message(XdsResourceType type, Map<String, String> byName, List<String> repeated) {
        List<String> lines = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String name : repeated) {
            if (!seen.add(name)) {
                lines.add(name + ": duplicate " + (type == XdsResourceType.LISTENER ? "listener " : "cluster ") + name
                        + " found");
            } else if (byName.containsKey(name)) {
                lines.add(name + ": " + byName.get(name));
            }
        }
        byName.forEach((name, reason) -> {
            if (!seen.contains(name)) {
                lines.add(name + ": " + reason);
            }
        });
        if (type == XdsResourceType.LISTENER) {
            StringBuilder sb = new StringBuilder("Error adding/updating listener(s) ");
            lines.forEach(line -> sb.append(line).append('\n'));
            return sb.toString();
        }
        return String.join(", ", lines).transform(joined -> "Error adding/updating cluster(s) " + joined);
    }

    @Override
    public String getMessage() {
        return failures.keySet().stream().map(this::message).map(String::strip).collect(Collectors.joining("; "));
    }
}
