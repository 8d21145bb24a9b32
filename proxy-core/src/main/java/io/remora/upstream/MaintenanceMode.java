package io.remora.upstream;

import io.remora.runtime.Runtime;

import java.util.function.Supplier;

/**
 * Envoy's ClusterInfoImpl::maintenanceMode: the runtime key {@code upstream.maintenance_mode.<cluster>}, a
 * percentage (0 when unset), of the cluster's requests the router answers 503 without picking a host.
 */
final class MaintenanceMode {
    private final String key;
    private final Supplier<Runtime> runtime;

    MaintenanceMode(String cluster, Supplier<Runtime> runtime) {
        this.key = "upstream.maintenance_mode." + cluster;
        this.runtime = runtime;
    }

    /** Drawn afresh for each request, as featureEnabled. */
    boolean drawn() {
        return runtime.get().featureEnabled(key, 0);
    }
}
