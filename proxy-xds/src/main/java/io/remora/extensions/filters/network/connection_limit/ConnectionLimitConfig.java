package io.remora.extensions.filters.network.connection_limit;

import io.remora.config.NetworkFilterConfig;

import java.time.Duration;

/**
 * {@code envoy.extensions.filters.network.connection_limit.v3.ConnectionLimit}: at most
 * {@code maxConnections} active connections through this filter (one count per filter config,
 * across every worker).
 *
 * @param delay                 how long an over-limit connection lingers (reads off) before it is
 *                              closed; null or zero closes it at once
 * @param runtimeEnabledKey     runtime_enabled's key, or null when runtime_enabled is unset
 * @param runtimeEnabledDefault runtime_enabled's default (true when unset)
 */
public record ConnectionLimitConfig(String statPrefix, long maxConnections, Duration delay, String runtimeEnabledKey,
                                    boolean runtimeEnabledDefault) implements NetworkFilterConfig {

    public static final String NAME = "envoy.filters.network.connection_limit";

    @Override
    public String filterName() {
        return NAME;
    }
}
