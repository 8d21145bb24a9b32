package io.remora.xds.ads;

import java.util.EnumSet;
import java.util.Set;

/**
 * The named types (RDS, EDS, SDS, ECDS, VHDS, RTDS) applied, and so ACKed, while what needs them still warms: Envoy's
 * muxes hand each response to its subscriptions and ACK it at once (grpc_mux_impl.cc onDiscoveryResponse, the delta
 * mux alike), whatever warms on it, during initialization too, so a warming cluster's load assignment is in before
 * the cluster is; nothing references it until the cluster does. Such a snapshot ends no wait, neither the warming's
 * nor the server's initialization. Control thread, but for {@link #applying()}.
 */
final class AheadOfWarming {
    private volatile boolean applying;

    private AheadOfWarming() {
    }

    static AheadOfWarming create() {
        return new AheadOfWarming();
    }

    /** Those of the pending types that go ahead of what warms. */
    static Set<XdsResourceType> of(Set<XdsResourceType> pending) {
        Set<XdsResourceType> named = EnumSet.noneOf(XdsResourceType.class);
        for (XdsResourceType t : pending) {
            if (!t.wildcard) {
                named.add(t);
            }
        }
        return named;
    }

    /** The applier is handed a snapshot of types gone ahead: the server is not initialized by it (any thread). */
    boolean applying() {
        return applying;
    }

    void applying(boolean on) {
        applying = on;
    }
}
