package io.remora.extensions.filters.network.ratelimit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.extensions.filters.http.common.DescriptorEntry;
import io.remora.extensions.filters.http.ratelimit.RateLimitClient;
import io.remora.network.ConnectionFilter;
import io.remora.network.ConnectionFilterFactory;
import io.remora.route.HeaderFormatter;
import io.remora.server.ServerContext;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Builds the per-connection {@link NetworkGlobalRateLimitFilter}s of one config, sharing its client and stats. */
public final class NetworkGlobalRateLimitFilterProvider
        implements ConnectionFilterFactory.Provider<NetworkGlobalRateLimitConfig> {

    /**
     * Envoy's {@code ratelimit.<stat_prefix>.*}; in Prometheus form
     * {@code envoy_ratelimit_ok{envoy_ratelimit_prefix="…"}} (Envoy's tag extractor takes the prefix out).
     */
    static final class Stats {
        static final String TAG = "envoy_ratelimit_prefix";

        final Counter total;
        final Counter ok;
        final Counter overLimit;
        final Counter error;
        final Counter failureModeAllowed;
        final Counter cxClosed;
        final AtomicLong active = new AtomicLong();

        Stats(MeterRegistry r, String statPrefix) {
            total = c(r, "total", statPrefix);
            ok = c(r, "ok", statPrefix);
            overLimit = c(r, "over_limit", statPrefix);
            error = c(r, "error", statPrefix);
            failureModeAllowed = c(r, "failure_mode_allowed", statPrefix);
            cxClosed = c(r, "cx_closed", statPrefix);
            Gauge.builder("envoy_ratelimit_active", active, AtomicLong::get).tag(TAG, statPrefix).register(r);
        }

        private static Counter c(MeterRegistry r, String stat, String statPrefix) {
            return Counter.builder("envoy_ratelimit_" + stat).tag(TAG, statPrefix).register(r);
        }
    }

    /** What the filters of one config share: compiled descriptor values, the client, the stats. */
    record Shared(NetworkGlobalRateLimitConfig config, HeaderFormatter[][] values, RateLimitClient client,
                  Stats stats) {
    }

    @Override
    public Class<NetworkGlobalRateLimitConfig> configType() {
        return NetworkGlobalRateLimitConfig.class;
    }

    @Override
    public ConnectionFilterFactory create(NetworkGlobalRateLimitConfig config, ServerContext context) {
        List<List<DescriptorEntry>> d = config.descriptors();
        HeaderFormatter[][] values = new HeaderFormatter[d.size()][];
        for (int i = 0; i < values.length; i++) {
            values[i] = new HeaderFormatter[d.get(i).size()];
            for (int j = 0; j < values[i].length; j++) {
                values[i][j] = HeaderFormatter.compile(d.get(i).get(j).value());
            }
        }
        Shared shared = new Shared(config, values, new RateLimitClient(config.service()),
                new Stats(context.stats().meterRegistry(), config.statPrefix()));
        return new ConnectionFilterFactory() {
            @Override
            public ConnectionFilter newFilter() {
                return new NetworkGlobalRateLimitFilter(shared);
            }
        };
    }
}
