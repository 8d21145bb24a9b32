package io.remora.network;

import io.remora.config.DiscoveredNetworkFilterConfig;
import io.remora.config.NetworkFilterConfig;
import io.remora.util.LastBuilt;

import java.util.function.Function;

/**
 * The factory of a discovered (ECDS) network filter: each new connection runs the config
 * published when it is accepted; existing connections keep theirs. Without any config the
 * connection is closed, as Envoy does when it cannot build the filter chain.
 */
public final class DiscoveredConnectionFilterFactory implements ConnectionFilterFactory {

    private final DiscoveredNetworkFilterConfig discovered;
    private final LastBuilt<NetworkFilterConfig, ConnectionFilterFactory> factories;

    public DiscoveredConnectionFilterFactory(DiscoveredNetworkFilterConfig discovered,
                                             Function<NetworkFilterConfig, ConnectionFilterFactory> build) {
        this.discovered = discovered;
        this.factories = new LastBuilt<>(build);
    }

    @Override
    public ConnectionFilter newFilter() {
        NetworkFilterConfig config = discovered.effective();
        if (config == null) {
            return new MissingConfig();
        }
        return factories.get(config).newFilter();
    }

    private static final class MissingConfig implements ConnectionFilter {
        private ConnectionFilterCallbacks callbacks;

        @Override
        public void initialize(ConnectionFilterCallbacks callbacks) {
            this.callbacks = callbacks;
        }

        @Override
        public NetworkFilterStatus onNewConnection() {
            callbacks.close("filter_config_not_found");
            return NetworkFilterStatus.STOP_ITERATION;
        }
    }
}
