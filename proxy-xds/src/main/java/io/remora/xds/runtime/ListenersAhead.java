package io.remora.xds.runtime;

import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.remora.xds.ads.XdsResource;
import io.remora.xds.ads.XdsSnapshot;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The listeners an LDS update brought that warm in the xDS client before the server has them. Envoy's
 * ListenerManagerImpl puts such a listener on its warming list as LDS brings it: addOrUpdateListener counts it then
 * (listener_added, or listener_modified over what runs or warms under its name, or when set back to what runs),
 * removeListener counts a warming one removed, and dumpListenerConfigs shows it in {@code warming_state}. So they are
 * counted here as they are taken, and the apply that later hands them to the server is told not to count them again.
 * Control thread, but for {@link #warming()}.
 */
final class ListenersAhead {
    /** What the server is told. */
    interface Counts {
        void changed(int added, int modified, int removed);
    }

    /** The listeners counted as they began to warm, not applied yet. */
    private final Map<String, Listener> counted = new HashMap<>();
    private volatile Map<String, XdsResource> warming = Map.of();

    /** The listeners warming now, for {@code /config_dump}'s {@code warming_state} (any thread). */
    Map<String, XdsResource> warming() {
        return warming;
    }

    /**
     * The client's warming listeners now, in {@code candidate} over {@code accepted} (the snapshot the server has).
     * One no longer warming is either about to be applied as it warmed, or changed, removed or set back meanwhile.
     */
    void update(Map<String, XdsResource> now, XdsSnapshot candidate, XdsSnapshot accepted, Counts counts) {
        int added = 0;
        int modified = 0;
        int removed = 0;
        for (XdsResource r : now.values()) {
            Listener l = (Listener) r.resource();
            Listener before = counted.get(r.name());
            if (l.equals(before)) {
                continue;
            }
            if (before == null && !accepted.listeners().containsKey(r.name())) {
                added++;
            } else {
                modified++;
            }
            counted.put(r.name(), l);
        }
        for (Iterator<Map.Entry<String, Listener>> it = counted.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Listener> e = it.next();
            if (now.containsKey(e.getKey())) {
                continue;
            }
            Listener next = candidate.listeners().get(e.getKey());
            Listener running = accepted.listeners().get(e.getKey());
            if (next == null) {
                // one the server runs is counted as the apply removes it, as Envoy counts a name once
                if (running == null) {
                    removed++;
                }
                it.remove();
            } else if (next.equals(running)) {
                modified++; // Envoy's update back to the active listener drops the warming one
                it.remove();
            } else if (!next.equals(e.getValue())) {
                it.remove(); // changed again: counted by the apply
            }
        }
        warming = Map.copyOf(now);
        if (added + modified + removed > 0) {
            counts.changed(added, modified, removed);
        }
    }

    /** The listeners of {@code snapshot}, about to be applied, that were counted as they began to warm. */
    Set<String> takeApplied(XdsSnapshot snapshot) {
        Set<String> out = new HashSet<>();
        for (Iterator<Map.Entry<String, Listener>> it = counted.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Listener> e = it.next();
            if (e.getValue().equals(snapshot.listeners().get(e.getKey()))) {
                out.add(e.getKey());
                it.remove();
            }
        }
        return out;
    }
}
