package io.remora.xds.ads;

import java.util.EnumMap;
import java.util.HashSet;
import java.util.Set;

/**
 * Per named type, the names whose fetch ended in a rejected response while they were missing: as Envoy marks a
 * subscription's init target ready when its update is rejected, nothing warms on them any more. Control thread
 * only.
 */
final class SettledNames {
    private final EnumMap<XdsResourceType, Set<String>> settled = new EnumMap<>(XdsResourceType.class);

    /** A rejected response of a named type: the subscribed names {@code accepted} does not hold are settled. */
    void rejected(XdsResourceType type, Set<String> subscribed, XdsSnapshot accepted) {
        if (type.wildcard) {
            return;
        }
        Set<String> missing = new HashSet<>(subscribed);
        missing.removeAll(accepted.state(type).resources().keySet());
        if (!missing.isEmpty()) {
            settled.computeIfAbsent(type, t -> new HashSet<>()).addAll(missing);
        }
    }

    boolean contains(XdsResourceType type, String name) {
        return settled.getOrDefault(type, Set.of()).contains(name);
    }
}
