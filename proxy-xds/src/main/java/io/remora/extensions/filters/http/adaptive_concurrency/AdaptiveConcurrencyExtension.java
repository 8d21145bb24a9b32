package io.remora.extensions.filters.http.adaptive_concurrency;

import com.google.protobuf.Duration;
import io.envoyproxy.envoy.extensions.filters.http.adaptive_concurrency.v3.AdaptiveConcurrency;
import io.envoyproxy.envoy.extensions.filters.http.adaptive_concurrency.v3.GradientControllerConfig;
import io.envoyproxy.envoy.type.v3.Percent;
import io.remora.extensions.HttpFilterExtension;
import io.remora.extensions.filters.common.RuntimeFlag;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/**
 * {@code envoy.filters.http.adaptive_concurrency}: limits the requests outstanding to the upstream
 * to a concurrency that the gradient controller adapts to the measured latencies. It denies
 * requests, so it is never skipped when it cannot run.
 */
public final class AdaptiveConcurrencyExtension implements HttpFilterExtension<AdaptiveConcurrencyConfig> {

    static final String TYPE = "envoy.extensions.filters.http.adaptive_concurrency.v3.AdaptiveConcurrency";

    @Override
    public List<String> names() {
        return List.of(AdaptiveConcurrencyConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of(TYPE);
    }

    @Override
    public boolean enforcesAccess() {
        return true;
    }

    @Override
    public AdaptiveConcurrencyConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("adaptive_concurrency needs a typed_config (gradient_controller_config is required)");
        }
        AdaptiveConcurrency a = config.unpack(AdaptiveConcurrency.class, path);
        if (!a.hasGradientControllerConfig()) {
            throw path.field("gradient_controller_config").error("missing required field (a concurrency controller)");
        }
        AdaptiveConcurrencyConfig.Builder b = AdaptiveConcurrencyConfig.builder();
        if (a.hasEnabled()) {
            b.enabled(RuntimeFlag.of(a.getEnabled(), path.field("enabled")));
        }
        if (a.hasConcurrencyLimitExceededStatus()) {
            int code = a.getConcurrencyLimitExceededStatus().getCodeValue();
            if (code < 100 || code > 599) {
                throw path.field("concurrency_limit_exceeded_status").field("code").error("not an HTTP status: " + code);
            }
            // As Envoy: a status that would not read as an error becomes 503.
            b.exceededStatus(code < 400 ? 503 : code);
        }
        gradient(a.getGradientControllerConfig(), path.field("gradient_controller_config"), b);
        return b.build();
    }

    private static void gradient(GradientControllerConfig g, FieldPath path, AdaptiveConcurrencyConfig.Builder b) {
        if (g.hasSampleAggregatePercentile()) {
            b.sampleAggregatePercentile(percent(g.getSampleAggregatePercentile(), path.field("sample_aggregate_percentile")));
        }
        FieldPath lp = path.field("concurrency_limit_params");
        if (!g.hasConcurrencyLimitParams()) {
            throw lp.error("missing required field");
        }
        GradientControllerConfig.ConcurrencyLimitCalculationParams limit = g.getConcurrencyLimitParams();
        if (!limit.hasConcurrencyUpdateInterval()) {
            throw lp.field("concurrency_update_interval").error("missing required field");
        }
        long update = millis(limit.getConcurrencyUpdateInterval(), lp.field("concurrency_update_interval"));
        if (update <= 0) {
            throw lp.field("concurrency_update_interval").error("must be at least 1ms");
        }
        b.updateIntervalMillis(update);
        if (limit.hasMaxConcurrencyLimit()) {
            b.maxConcurrencyLimit(positive(limit.getMaxConcurrencyLimit().getValue(), lp.field("max_concurrency_limit")));
        }
        FieldPath mp = path.field("min_rtt_calc_params");
        if (!g.hasMinRttCalcParams()) {
            throw mp.error("missing required field");
        }
        GradientControllerConfig.MinimumRTTCalculationParams m = g.getMinRttCalcParams();
        long interval = m.hasInterval() ? millis(m.getInterval(), mp.field("interval")) : 0;
        if (interval == 0 && (m.getInterval().getSeconds() != 0 || m.getInterval().getNanos() != 0)) {
            throw mp.field("interval").error("must be zero or at least 1ms");
        }
        b.minRttIntervalMillis(interval);
        if (m.hasFixedValue()) {
            Duration f = m.getFixedValue();
            if (f.getSeconds() < 0 || f.getNanos() < 0 || (f.getSeconds() == 0 && f.getNanos() == 0)) {
                throw mp.field("fixed_value").error("must be greater than 0s");
            }
            b.fixedMinRttMicros(f.getSeconds() * 1_000_000 + f.getNanos() / 1000);
        } else if (interval == 0) {
            // As Envoy: without sampling the minRTT must be given.
            throw mp.field("fixed_value").error("must be set when min_rtt_calc_params.interval is unset or zero");
        }
        if (m.hasRequestCount()) {
            b.requestCount(positive(m.getRequestCount().getValue(), mp.field("request_count")));
        }
        if (m.hasJitter()) {
            b.jitter(percent(m.getJitter(), mp.field("jitter")));
        }
        if (m.hasMinConcurrency()) {
            b.minConcurrency(positive(m.getMinConcurrency().getValue(), mp.field("min_concurrency")));
        }
        if (m.hasBuffer()) {
            b.buffer(percent(m.getBuffer(), mp.field("buffer")));
        }
    }

    /** A {@code type.v3.Percent} as a fraction of 1. */
    private static double percent(Percent p, FieldPath path) {
        double v = p.getValue();
        if (!(v >= 0 && v <= 100)) {
            throw path.field("value").error("must be between 0 and 100, got " + v);
        }
        return v / 100.0;
    }

    /** A uint32 that must be positive; past int's range it saturates (no limit that large is reachable). */
    private static int positive(int value, FieldPath path) {
        if (value == 0) {
            throw path.error("must be greater than 0");
        }
        return value < 0 ? Integer.MAX_VALUE : value;
    }

    private static long millis(Duration d, FieldPath path) {
        if (d.getSeconds() < 0 || d.getNanos() < 0) {
            throw path.error("must not be negative");
        }
        return d.getSeconds() * 1000 + d.getNanos() / 1_000_000;
    }

    @Override
    public HttpFilterFactory.Provider<AdaptiveConcurrencyConfig> runtime() {
        return new AdaptiveConcurrencyFilterFactory.Provider();
    }
}
