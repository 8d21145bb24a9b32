package io.remora.stats;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * Envoy's route-level stats, {@code vhost.<virtual_host>.route.<stat_prefix>.*}, kept for a
 * route with a {@code stat_prefix}; registered under the names Envoy's default tag extraction
 * gives them ({@code envoy_vhost_route_upstream_rq_total{envoy_virtual_host, envoy_route}}).
 * Routes of one virtual host sharing a stat_prefix share these counters, as in Envoy.
 */
public final class RouteStats extends VhostRequestStats {
    public static final String ROUTE_TAG = "envoy_route";

    RouteStats(MeterRegistry r, String virtualHost, String statPrefix) {
        super(r, "envoy_vhost_route", Tags.of(VIRTUAL_HOST_TAG, virtualHost, ROUTE_TAG, statPrefix));
    }
}
