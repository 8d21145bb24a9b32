package io.remora.xds.ads;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.remora.stats.TextReadout;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Envoy's ControlPlaneStats of the ADS stream ({@code control_plane.connected_state}, {@code .identifier},
 * {@code .rate_limit_enforced}, {@code .pending_requests}) and the {@code control_plane.connected_state} of LDS's and
 * CDS's own streams, in their subscriptions' scopes.
 */
final class ControlPlaneStats {
    private final MeterRegistry registry;
    private final AtomicInteger connectedState = new AtomicInteger();
    /** What the last response said of the control plane. */
    private final TextReadout identifier;
    private DiscoveryRequestLimiter.Stats rateLimit;
    private AtomicInteger ldsConnected;
    private AtomicInteger cdsConnected;

    ControlPlaneStats(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder(XdsStats.CONNECTED_STATE, connectedState, AtomicInteger::get).register(registry);
        identifier = TextReadout.register(registry, "envoy_control_plane_identifier", Tags.empty());
    }

    /** Registered when the ADS stream is rate limited: Envoy makes them only then. */
    DiscoveryRequestLimiter.Stats rateLimit() {
        if (rateLimit == null) {
            Counter enforced = registry.counter("envoy_control_plane_rate_limit_enforced");
            AtomicInteger pending = registry.gauge("envoy_control_plane_pending_requests", new AtomicInteger());
            rateLimit = new DiscoveryRequestLimiter.Stats() {
                @Override
                public void enforced() {
                    enforced.increment();
                }

                @Override
                public void pending(int requests) {
                    pending.set(requests);
                }
            };
        }
        return rateLimit;
    }

    void connected(boolean up) {
        connectedState.set(up ? 1 : 0);
    }

    boolean connected() {
        return connectedState.get() == 1;
    }

    /** A response's {@code control_plane.identifier}, as GrpcMuxImpl sets its ControlPlaneStats' text readout. */
    void identifier(String id) {
        identifier.set(id);
    }

    /**
     * A separate stream's connection: Envoy's non-aggregated mux reports control_plane.* in its subscription's
     * scope. LDS and CDS have one stream each; RDS and EDS streams here carry many subscriptions (Envoy's
     * per route configuration and per cluster scopes), so they report none.
     */
    void sourceConnected(XdsResourceType type, boolean up) {
        if (type == XdsResourceType.LISTENER) {
            if (ldsConnected == null) {
                ldsConnected = registry.gauge("envoy_listener_manager_lds_control_plane_connected_state",
                        new AtomicInteger());
            }
            ldsConnected.set(up ? 1 : 0);
        } else if (type == XdsResourceType.CLUSTER) {
            if (cdsConnected == null) {
                cdsConnected = registry.gauge("envoy_cluster_manager_cds_control_plane_connected_state",
                        new AtomicInteger());
            }
            cdsConnected.set(up ? 1 : 0);
        }
    }
}
