package io.remora.extensions.filters.http.fault;

import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultRateLimit;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.HttpFilterExtension;
import io.remora.extensions.filters.common.FilterProtos;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.runtime.FractionalPercent;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.HeaderTranslator;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code envoy.filters.http.fault}: request aborts and delays, response throttling, by percentage,
 * request headers, upstream cluster and downstream node (Istio's VirtualService {@code fault}).
 */
public final class FaultExtension implements HttpFilterExtension<FaultConfig> {

    static final String TYPE = "envoy.extensions.filters.http.fault.v3.HTTPFault";

    @Override
    public List<String> names() {
        return List.of(FaultConfig.NAME, "envoy.fault");
    }

    @Override
    public List<String> configTypes() {
        return List.of(TYPE);
    }

    @Override
    public List<String> perRouteConfigTypes() {
        return List.of(TYPE);
    }

    @Override
    public FaultConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        HTTPFault f = config == null ? HTTPFault.getDefaultInstance() : config.unpack(HTTPFault.class, path);
        return translate(f, path);
    }

    @Override
    public RouteFilterConfig translatePerRoute(TypedConfig config, FieldPath path, TranslationContext ctx) {
        return translate(config.unpack(HTTPFault.class, path), path);
    }

    @Override
    public HttpFilterFactory.Provider<FaultConfig> runtime() {
        return new FaultFilterFactory.Provider();
    }

    static FaultConfig translate(HTTPFault f, FieldPath path) {
        FaultConfig.Abort abort = f.hasAbort() ? abort(f.getAbort(), path.field("abort")) : null;
        FaultConfig.Delay delay = f.hasDelay() ? delay(f.getDelay(), path.field("delay")) : null;
        FaultConfig.ResponseRateLimit rl = f.hasResponseRateLimit()
                ? rateLimit(f.getResponseRateLimit(), path.field("response_rate_limit")) : null;
        var headers = HeaderTranslator.matchers(f.getHeadersList(), path.field("headers"));
        Set<String> nodes = new LinkedHashSet<>(f.getDownstreamNodesList());
        Long maxActive = f.hasMaxActiveFaults() ? Integer.toUnsignedLong(f.getMaxActiveFaults().getValue()) : null;
        FaultConfig.RuntimeKeys d = FaultConfig.RuntimeKeys.DEFAULT;
        FaultConfig.RuntimeKeys keys = new FaultConfig.RuntimeKeys(
                or(f.getDelayPercentRuntime(), d.delayPercent()),
                or(f.getAbortPercentRuntime(), d.abortPercent()),
                or(f.getDelayDurationRuntime(), d.delayDuration()),
                or(f.getAbortHttpStatusRuntime(), d.abortHttpStatus()),
                or(f.getAbortGrpcStatusRuntime(), d.abortGrpcStatus()),
                or(f.getMaxActiveFaultsRuntime(), d.maxActiveFaults()),
                or(f.getResponseRateLimitPercentRuntime(), d.responseRateLimitPercent()));
        return new FaultConfig(abort, delay, rl, f.getUpstreamCluster(), headers, nodes, maxActive, keys,
                f.getDisableDownstreamClusterStats(), FilterProtos.plain(f.getFilterMetadata()));
    }

    private static String or(String v, String dflt) {
        return v.isEmpty() ? dflt : v;
    }

    private static FaultConfig.Abort abort(FaultAbort a, FieldPath path) {
        FractionalPercent pct = FilterProtos.fraction(a.getPercentage(), path.field("percentage"));
        return switch (a.getErrorTypeCase()) {
            case HTTP_STATUS -> {
                int s = a.getHttpStatus();
                if (s < 200 || s >= 600) {
                    throw path.field("http_status").error("must be in [200, 600), got " + Integer.toUnsignedString(s));
                }
                yield new FaultConfig.Abort(s, -1, false, pct);
            }
            case GRPC_STATUS -> {
                if (a.getGrpcStatus() < 0) {
                    throw path.field("grpc_status").error("out of range: " + Integer.toUnsignedString(a.getGrpcStatus()));
                }
                yield new FaultConfig.Abort(-1, a.getGrpcStatus(), false, pct);
            }
            case HEADER_ABORT -> new FaultConfig.Abort(-1, -1, true, pct);
            default -> throw path.error("one of http_status, grpc_status or header_abort is required");
        };
    }

    /** A {@code FaultDelay}, also the mongo proxy's {@code delay}. */
    public static FaultConfig.Delay delay(FaultDelay d, FieldPath path) {
        FractionalPercent pct = FilterProtos.fraction(d.getPercentage(), path.field("percentage"));
        return switch (d.getFaultDelaySecifierCase()) {
            case FIXED_DELAY -> {
                var dur = d.getFixedDelay();
                if (dur.getSeconds() < 0 || dur.getNanos() < 0 || dur.getSeconds() == 0 && dur.getNanos() == 0) {
                    throw path.field("fixed_delay").error("must be greater than 0s");
                }
                long ms;
                try {
                    ms = Math.addExact(Math.multiplyExact(dur.getSeconds(), 1000L), dur.getNanos() / 1_000_000);
                } catch (ArithmeticException e) {
                    throw path.field("fixed_delay").error("too large");
                }
                yield new FaultConfig.Delay(ms, false, pct);
            }
            case HEADER_DELAY -> new FaultConfig.Delay(-1, true, pct);
            default -> throw path.error("one of fixed_delay or header_delay is required");
        };
    }

    private static FaultConfig.ResponseRateLimit rateLimit(FaultRateLimit r, FieldPath path) {
        FractionalPercent pct = FilterProtos.fraction(r.getPercentage(), path.field("percentage"));
        return switch (r.getLimitTypeCase()) {
            case FIXED_LIMIT -> {
                long kbps = r.getFixedLimit().getLimitKbps();
                if (kbps < 1) {
                    throw path.field("fixed_limit").field("limit_kbps").error("must be at least 1");
                }
                yield new FaultConfig.ResponseRateLimit(kbps, false, pct);
            }
            case HEADER_LIMIT -> new FaultConfig.ResponseRateLimit(-1, true, pct);
            default -> throw path.error("one of fixed_limit or header_limit is required");
        };
    }
}
