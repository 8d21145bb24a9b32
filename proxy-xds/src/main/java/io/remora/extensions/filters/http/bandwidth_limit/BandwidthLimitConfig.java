package io.remora.extensions.filters.http.bandwidth_limit;

import io.remora.config.HttpFilterConfig;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.filters.common.RuntimeFlag;
import io.remora.extensions.filters.common.RuntimeSlot;

/**
 * {@code envoy.extensions.filters.http.bandwidth_limit.v3.BandwidthLimit}, as the filter's config
 * and as a route's {@code typed_per_filter_config} (which replaces it there, with a bucket of its own).
 *
 * @param mode               {@code enable_mode} as Envoy's bits: 1 request, 2 response
 * @param limitKbps          {@code limit_kbps}; 0 when unset (only a filter-level config may leave it
 *                           unset: nothing is limited then)
 * @param fillIntervalMillis {@code fill_interval}
 * @param trailers           the trailer names when {@code enable_response_trailers}, else null
 * @param state              where this config instance's bucket and stats live; not part of its value
 */
public record BandwidthLimitConfig(String statPrefix, int mode, long limitKbps, long fillIntervalMillis,
                                   RuntimeFlag enabled, TrailerNames trailers, RuntimeSlot state)
        implements HttpFilterConfig, RouteFilterConfig {

    public static final String NAME = "envoy.filters.http.bandwidth_limit";
    static final int REQUEST = 1;
    static final int RESPONSE = 2;

    @Override
    public String filterName() {
        return NAME;
    }

    /** The four delay trailers, each behind {@code response_trailer_prefix + "-"} when one is set. */
    public record TrailerNames(String requestDelay, String responseDelay, String requestFilterDelay,
                               String responseFilterDelay) {

        static TrailerNames withPrefix(String prefix) {
            String p = prefix.isEmpty() ? "" : prefix + "-";
            return new TrailerNames(p + "bandwidth-request-delay-ms", p + "bandwidth-response-delay-ms",
                    p + "bandwidth-request-filter-delay-ms", p + "bandwidth-response-filter-delay-ms");
        }
    }

    static Builder builder(String statPrefix) {
        return new Builder(statPrefix);
    }

    /** Envoy's defaults: disabled, no limit, 50 ms fill interval, enabled at run time, no trailers. */
    static final class Builder {
        private final String statPrefix;
        private int mode;
        private long limitKbps;
        private long fillIntervalMillis = 50;
        private RuntimeFlag enabled = RuntimeFlag.constant(true);
        private TrailerNames trailers;

        Builder(String statPrefix) {
            this.statPrefix = statPrefix;
        }

        Builder mode(int v) {
            mode = v;
            return this;
        }

        Builder limitKbps(long v) {
            limitKbps = v;
            return this;
        }

        Builder fillIntervalMillis(long v) {
            fillIntervalMillis = v;
            return this;
        }

        Builder enabled(RuntimeFlag v) {
            enabled = v;
            return this;
        }

        Builder trailers(TrailerNames v) {
            trailers = v;
            return this;
        }

        BandwidthLimitConfig build() {
            return new BandwidthLimitConfig(statPrefix, mode, limitKbps, fillIntervalMillis, enabled, trailers,
                    new RuntimeSlot());
        }
    }
}
