package io.remora.xds.ads;

import com.google.protobuf.Any;
import com.google.protobuf.Timestamp;
import io.envoyproxy.envoy.admin.v3.UpdateFailureState;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The listeners' {@code error_state} in /config_dump, as Envoy's ListenerManagerImpl keeps it: each LDS update that
 * reaches the listeners starts afresh (beginListenerUpdate clears the per-name states, endListenerUpdate replaces
 * the unnamed ones), so a listener fixed by a later update shows no error. A listener that failed to add keeps
 * the config tried, the time and the reason under its name; every failure of the update, a name given twice
 * included, is also one unnamed entry (details and config, no time). Envoy's listener manager sets no
 * version_info in either. Written on the control thread, read by the admin's.
 */
public final class ListenerErrorStates {
    /** For a server without xDS. */
    public static final ListenerErrorStates NONE = new ListenerErrorStates();

    private record States(Map<String, UpdateFailureState> byName, List<UpdateFailureState> unnamed) {
    }

    private volatile States states = new States(Map.of(), List.of());

    /** An LDS update decoded and handed to the listeners: what the last one left is forgotten. */
    void begin() {
        if (!states.byName().isEmpty() || !states.unnamed().isEmpty()) {
            states = new States(Map.of(), List.of());
        }
    }

    /**
     * The listeners of an update that failed ({@code failures}, name to reason; {@code tried} the configs brought),
     * and, when it named one twice, every name in its order ({@code repeated}).
     */
    void failed(Map<String, String> failures, Map<String, XdsResource> tried, List<String> repeated, Instant now) {
        Map<String, UpdateFailureState> byName = new LinkedHashMap<>(states.byName());
        List<UpdateFailureState> unnamed = new ArrayList<>(states.unnamed());
        Timestamp at = Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()).build();
        Set<String> seen = new HashSet<>();
        for (String name : repeated) {
            if (!seen.add(name)) {
                // the later copy itself is not kept: the first one stands for it
                unnamed.add(UpdateFailureState.newBuilder().setDetails("duplicate listener " + name + " found").build());
            }
        }
        failures.forEach((name, reason) -> {
            UpdateFailureState.Builder state = UpdateFailureState.newBuilder().setDetails(reason);
            XdsResource r = tried.get(name);
            if (r != null) {
                state.setFailedConfiguration(Any.pack(r.resource()));
            }
            unnamed.add(state.build());
            byName.put(name, state.setLastUpdateAttempt(at).build());
        });
        states = new States(Map.copyOf(byName), List.copyOf(unnamed));
    }

    /** Per listener name, its last failure in the latest LDS update. */
    public Map<String, UpdateFailureState> byName() {
        return states.byName();
    }

    /** Each failure of the latest LDS update, not tied to a listener's entry. */
    public List<UpdateFailureState> unnamed() {
        return states.unnamed();
    }
}
