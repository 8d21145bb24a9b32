package io.remora.network;

import io.remora.config.DiscoveredNetworkFilterConfig;
import io.remora.config.NetworkFilterConfig;

import java.util.function.Function;

/**
 * The factory of a discovered (ECDS) network filter: each new connection runs the config
 * published when it is accepted; existing connections keep theirs. Without any config the
 * connection is closed, as Envoy does when it cannot build the filter chain.
 */
public final class DiscoveredConnectionFilterFactory implements ConnectionFilterFactory {

    private record Built(NetworkFilterConfig config, ConnectionFilterFactory factory) {
    }

    private final DiscoveredNetworkFilterConfig discovered;
    private final Function<NetworkFilterConfig, ConnectionFilterFactory> build;
    private volatile Built built;

    public DiscoveredConnectionFilterFactory(DiscoveredNetworkFilterConfig discovered,
                                             Function<NetworkFilterConfig, ConnectionFilterFactory> build) {
        this.discovered = discovered;
        this.build = build;
    }

    @Override
    public ConnectionFilter newFilter() {
        NetworkFilterConfig config = discovered.effective();
        if (config == null) {
            return new MissingConfig();
        }
        Built b = built;
        if (b == null || b.config() != config) {
            b = rebuild(config);
        }
        return b.factory().newFilter();
    }

    private synchronized Built rebuild(NetworkFilterConfig config) {
        Built b = built;
        if (b == null || b.config() != config) {
            b = new Built(config, build.apply(config));
            built = b;
        }
        return b;
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
