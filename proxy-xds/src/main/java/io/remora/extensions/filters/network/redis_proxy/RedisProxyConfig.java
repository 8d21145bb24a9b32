package io.remora.extensions.filters.network.redis_proxy;

import io.remora.config.NetworkFilterConfig;
import io.remora.extensions.filters.common.RuntimeFraction;

import java.time.Duration;
import java.util.List;

/**
 * {@code envoy.extensions.filters.network.redis_proxy.v3.RedisProxy}.
 *
 * @param downstreamAuthPasswords what AUTH must present (any of them); empty with an empty
 *                                username: no AUTH needed
 * @param customCommands          {@code custom_commands}: more commands routed by their first
 *                                argument, as the simple ones (lower case)
 */
public record RedisProxyConfig(String statPrefix, Settings settings, boolean latencyInMicros, Routes routes,
                               List<String> downstreamAuthPasswords, String downstreamAuthUsername,
                               List<Fault> faults, List<String> customCommands) implements NetworkFilterConfig {

    public static final String NAME = "envoy.filters.network.redis_proxy";

    public RedisProxyConfig {
        downstreamAuthPasswords = List.copyOf(downstreamAuthPasswords);
        faults = List.copyOf(faults);
        customCommands = List.copyOf(customCommands);
    }

    @Override
    public String filterName() {
        return NAME;
    }

    /**
     * {@code settings} (ConnPoolSettings) with Envoy's defaults; {@code dnsCache} (null when not
     * configured) resolves the hosts redirections name.
     */
    public record Settings(Duration opTimeout, boolean enableHashtagging, boolean enableRedirection,
                           int maxBufferSizeBeforeFlush, Duration bufferFlushTimeout,
                           int maxUpstreamUnknownConnections, boolean enableCommandStats,
                           io.remora.config.DnsCacheConfig dnsCache) {

        public static Builder builder(Duration opTimeout) {
            return new Builder(opTimeout);
        }

        public static final class Builder {
            private final Duration opTimeout;
            private boolean enableHashtagging;
            private boolean enableRedirection;
            private int maxBufferSizeBeforeFlush;
            /** Envoy's default: 3 ms (used only with a max_buffer_size_before_flush). */
            private Duration bufferFlushTimeout = Duration.ofMillis(3);
            private int maxUpstreamUnknownConnections = 100;
            private boolean enableCommandStats;
            private io.remora.config.DnsCacheConfig dnsCache;

            private Builder(Duration opTimeout) {
                this.opTimeout = opTimeout;
            }

            public Builder enableHashtagging(boolean v) {
                enableHashtagging = v;
                return this;
            }

            public Builder enableRedirection(boolean v) {
                enableRedirection = v;
                return this;
            }

            public Builder maxBufferSizeBeforeFlush(int v) {
                maxBufferSizeBeforeFlush = v;
                return this;
            }

            public Builder bufferFlushTimeout(Duration v) {
                bufferFlushTimeout = v;
                return this;
            }

            public Builder maxUpstreamUnknownConnections(int v) {
                maxUpstreamUnknownConnections = v;
                return this;
            }

            public Builder enableCommandStats(boolean v) {
                enableCommandStats = v;
                return this;
            }

            public Builder dnsCache(io.remora.config.DnsCacheConfig v) {
                dnsCache = v;
                return this;
            }

            public Settings build() {
                return new Settings(opTimeout, enableHashtagging, enableRedirection, maxBufferSizeBeforeFlush,
                        bufferFlushTimeout, maxUpstreamUnknownConnections, enableCommandStats, dnsCache);
            }
        }
    }

    /** {@code prefix_routes}; {@code catchAll} may be null. */
    public record Routes(List<Route> routes, boolean caseInsensitive, Route catchAll) {
        public Routes {
            routes = List.copyOf(routes);
        }
    }

    /**
     * One prefix route (the catch-all has an empty prefix).
     *
     * @param keyFormatter {@code key_formatter} with its {@code %KEY%}, or empty
     * @param readCluster  {@code read_command_policy.cluster}, or null
     */
    public record Route(String prefix, boolean removePrefix, String cluster, List<Mirror> mirrors,
                       String keyFormatter, String readCluster) {
        public Route {
            mirrors = List.copyOf(mirrors);
        }
    }

    /** {@code request_mirror_policy}; {@code fraction} null when there is no runtime_fraction. */
    public record Mirror(String cluster, RuntimeFraction fraction, boolean excludeReadCommands) {
    }

    /**
     * {@code faults}: an error reply, or a delay of the real reply, for a fraction of the listed
     * commands (lower case; empty: all).
     */
    public record Fault(boolean error, RuntimeFraction enabled, Duration delay, List<String> commands) {
        public Fault {
            commands = List.copyOf(commands);
        }
    }
}
