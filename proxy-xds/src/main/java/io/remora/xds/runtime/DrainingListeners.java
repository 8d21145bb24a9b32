package io.remora.xds.runtime;

import io.remora.xds.ads.XdsResource;
import io.remora.xds.ads.XdsResourceType;
import io.remora.xds.ads.XdsSnapshot;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The versions of the dynamic listeners that updates replaced or removed, kept while the server may drain them: what
 * Envoy's dumpListenerConfigs shows in {@code draining_state} for each listener on its draining list (one replaced in
 * full or removed, for the drain time; not one updated in place, whose filter chains alone drain).
 */
final class DrainingListeners {
    private final Map<String, XdsResource> replaced = new ConcurrentHashMap<>();

    /** {@code next} was applied over {@code previous} (null: none); {@code draining}: what the server drains now. */
    void applied(XdsSnapshot previous, XdsSnapshot next, Set<String> draining) {
        replaced.keySet().retainAll(draining);
        if (previous == null) {
            return;
        }
        for (XdsResource r : previous.state(XdsResourceType.LISTENER).resources().values()) {
            if (!r.resource().equals(next.listeners().get(r.name()))) {
                replaced.put(r.name(), r);
            }
        }
    }

    /** The replaced versions of the listeners the server drains now (any thread). */
    Map<String, XdsResource> draining(Set<String> drainingNow) {
        Map<String, XdsResource> out = new HashMap<>();
        replaced.forEach((name, r) -> {
            if (drainingNow.contains(name)) {
                out.put(name, r);
            }
        });
        return out;
    }
}
