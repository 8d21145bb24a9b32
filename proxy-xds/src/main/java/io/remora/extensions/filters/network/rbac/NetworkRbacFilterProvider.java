package io.remora.extensions.filters.network.rbac;

import io.remora.network.ConnectionFilter;
import io.remora.network.ConnectionFilterFactory;
import io.remora.rbac.RbacStats;
import io.remora.server.ServerContext;

/** Builds the per-connection {@link NetworkRbacFilter}s of one configured network RBAC filter. */
public final class NetworkRbacFilterProvider implements ConnectionFilterFactory.Provider<NetworkRbacConfig> {

    @Override
    public Class<NetworkRbacConfig> configType() {
        return NetworkRbacConfig.class;
    }

    @Override
    public ConnectionFilterFactory create(NetworkRbacConfig config, ServerContext context) {
        RbacStats stats = RbacStats.network(context.stats().meterRegistry(), config.statPrefix(),
                config.shadowRulesStatPrefix());
        return new ConnectionFilterFactory() {
            @Override
            public ConnectionFilter newFilter() {
                return new NetworkRbacFilter(config, stats);
            }
        };
    }
}
