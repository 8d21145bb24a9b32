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
 * version_info in either. Written on the control thread, read by the admin's, which sees one update's whole
 * result.
 */
public final class ListenerErrorStates {
    /** For a server without xDS. */
    public static final ListenerErrorStates NONE = new ListenerErrorStates();

    private record States(Map<String, UpdateFailureState> byName, List<UpdateFailureState> unnamed) {
    }

    private volatile States states = new States(Map.of(), List.of());
    /** What the update being handled failed, shown once it is handled: null outside one. */
    private States next;

    /**
     * An LDS update decoded and handed to the listeners: what the last one left is replaced by what this one fails
     * at {@link #end}, never cleared in between (Envoy does both in one onConfigUpdate).
     */
    void begin() {
        next = new States(Map.of(), List.of());
    }

    /** The update begun is handled (checked, applied or NACKed, or left waiting): its failures are shown. */
    void end() {
        if (next != null) {
            states = next;
            next = null;
        }
    }

    /**
     * The listeners of an update that failed ({@code failures}, name to reason; {@code tried} the configs brought),
     * and, when it named one twice, every name in its order ({@code repeated}). Outside {@link #begin}/{@link #end}
     * (an update that waited, failing at its apply) they join what is shown.
     */
    void failed(Map<String, String> failures, Map<String, XdsResource> tried, List<String> repeated, Instant now) {
        States base = next != null ? next : states;
        Map<String, UpdateFailureState> byName = new LinkedHashMap<>(base.byName());
        List<UpdateFailureState> unnamed = new ArrayList<>(base.unnamed());
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
        States done = new States(Map.copyOf(byName), List.copyOf(unnamed));
        if (next != null) {
            next = done;
        } else {
            states = done;
        }
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
