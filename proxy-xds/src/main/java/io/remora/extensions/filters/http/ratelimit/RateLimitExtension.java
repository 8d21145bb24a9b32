package io.remora.extensions.filters.http.ratelimit;

import com.google.protobuf.Duration;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.ratelimit.v3.RateLimitServiceConfig;
import io.envoyproxy.envoy.extensions.filters.http.ratelimit.v3.RateLimit;
import io.envoyproxy.envoy.extensions.filters.http.ratelimit.v3.RateLimitPerRoute;
import io.remora.config.RateLimitPolicy;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.HttpFilterExtension;
import io.remora.extensions.filters.common.FilterProtos;
import io.remora.extensions.filters.common.RuntimeFraction;
import io.remora.extensions.filters.http.common.DescriptorEvaluator.VhRateLimits;
import io.remora.extensions.filters.http.ext_authz.GrpcServiceConfig;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.RateLimitPolicyTranslator;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/**
 * {@code envoy.filters.http.ratelimit} ({@code envoy.extensions.filters.http.ratelimit.v3.RateLimit},
 * per route {@code RateLimitPerRoute}): global rate limiting through a Rate Limit Service.
 */
public final class RateLimitExtension implements HttpFilterExtension<RateLimitConfig> {

    /** Envoy's default for the rate limit service call. */
    public static final java.time.Duration DEFAULT_TIMEOUT = java.time.Duration.ofMillis(20);

    @Override
    public List<String> names() {
        return List.of(RateLimitConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.http.ratelimit.v3.RateLimit");
    }

    @Override
    public List<String> perRouteConfigTypes() {
        return List.of("envoy.extensions.filters.http.ratelimit.v3.RateLimitPerRoute");
    }

    @Override
    public RateLimitConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field: the ratelimit filter needs a typed_config");
        }
        RateLimit c = config.unpack(RateLimit.class, path);
        if (c.getDomain().isEmpty()) {
            throw path.field("domain").error("missing required field");
        }
        if (Integer.compareUnsigned(c.getStage(), 10) > 0) {
            throw path.field("stage").error("must be at most 10, got " + Integer.toUnsignedString(c.getStage()));
        }
        RateLimitConfig.RequestType type = switch (c.getRequestType()) {
            case "", "both" -> RateLimitConfig.RequestType.BOTH;
            case "internal" -> RateLimitConfig.RequestType.INTERNAL;
            case "external" -> RateLimitConfig.RequestType.EXTERNAL;
            default -> throw path.field("request_type").error("must be one of internal, external, both; got '"
                    + c.getRequestType() + "'");
        };
        java.time.Duration timeout = c.hasTimeout() ? duration(c.getTimeout(), path.field("timeout")) : DEFAULT_TIMEOUT;
        if (!c.hasRateLimitService()) {
            throw path.field("rate_limit_service").error("missing required field");
        }
        RateLimitConfig.Builder b = RateLimitConfig.builder(c.getDomain(),
                service(c.getRateLimitService(), timeout, path.field("rate_limit_service"), ctx));
        b.stage(c.getStage()).requestType(type).failureModeDeny(c.getFailureModeDeny())
                .rateLimitedAsResourceExhausted(c.getRateLimitedAsResourceExhausted())
                .xEnvoyRateLimited(!c.getDisableXEnvoyRatelimitedHeader())
                .statPrefix(c.getStatPrefix());
        b.xRateLimitHeaders(switch (c.getEnableXRatelimitHeaders()) {
            case OFF -> false;
            case DRAFT_VERSION_03 -> true;
            default -> throw path.field("enable_x_ratelimit_headers").error("unknown value "
                    + c.getEnableXRatelimitHeadersValue());
        });
        if (c.hasRateLimitedStatus()) {
            // Envoy's toErrorCode: a status below 400 becomes 429.
            int code = status(c.getRateLimitedStatus().getCodeValue(), path.field("rate_limited_status"));
            b.rateLimitedStatus(code >= 400 ? code : 429);
        }
        if (c.hasStatusOnError()) {
            int code = status(c.getStatusOnError().getCodeValue(), path.field("status_on_error"));
            b.statusOnError(code >= 400 ? code : 500);
        }
        b.responseHeadersToAdd(FilterProtos.headersToAdd(c.getResponseHeadersToAddList(),
                path.field("response_headers_to_add")));
        if (c.hasFilterEnabled()) {
            b.filterEnabled(RuntimeFraction.of(c.getFilterEnabled(), path.field("filter_enabled")));
        }
        if (c.hasFilterEnforced()) {
            b.filterEnforced(RuntimeFraction.of(c.getFilterEnforced(), path.field("filter_enforced")));
        }
        return b.build();
    }

    /**
     * {@code rate_limit_service} (the network filter's too): an {@code envoy_grpc} service on V3,
     * the only transport Envoy accepts; the call's timeout is the filter's.
     */
    public static RlsConfig service(RateLimitServiceConfig s, java.time.Duration timeout, FieldPath path,
                                    TranslationContext ctx) {
        if (s.getTransportApiVersion() != ApiVersion.V3) {
            throw path.field("transport_api_version").error("must be V3 (Envoy refuses AUTO and V2), got "
                    + s.getTransportApiVersion());
        }
        if (!s.hasGrpcService()) {
            throw path.field("grpc_service").error("missing required field");
        }
        GrpcServiceConfig g = io.remora.xds.translate.GrpcServiceTranslator.retryingEnvoyGrpc(s.getGrpcService(), false, path.field("grpc_service"), ctx);
        return new RlsConfig(g.cluster(), g.authority(), g.initialMetadata(), timeout, g.maxReceiveMessageLength(),
                g.skipEnvoyHeaders(), g.retryPolicy());
    }

    private static int status(int code, FieldPath path) {
        if (code < 100 || code > 599) {
            throw path.field("code").error("not an HTTP status: " + code);
        }
        return code;
    }

    /** A non-negative duration. */
    public static java.time.Duration duration(Duration d, FieldPath path) {
        if (d.getSeconds() < 0 || d.getNanos() < 0) {
            throw path.error("must not be negative");
        }
        return java.time.Duration.ofSeconds(d.getSeconds(), d.getNanos());
    }

    @Override
    public RouteFilterConfig translatePerRoute(TypedConfig config, FieldPath path, TranslationContext ctx) {
        RateLimitPerRoute p = config.unpack(RateLimitPerRoute.class, path);
        VhRateLimits vh = switch (p.getVhRateLimits()) {
            case OVERRIDE -> VhRateLimits.OVERRIDE;
            case INCLUDE -> VhRateLimits.INCLUDE;
            case IGNORE -> VhRateLimits.IGNORE;
            default -> throw path.field("vh_rate_limits").error("unknown value " + p.getVhRateLimitsValue());
        };
        if (p.getOverrideOption() == RateLimitPerRoute.OverrideOptions.UNRECOGNIZED) {
            throw path.field("override_option").error("unknown value " + p.getOverrideOptionValue());
        }
        if (p.getOverrideOption() != RateLimitPerRoute.OverrideOptions.DEFAULT) {
            ctx.warnOnce("ratelimit:override_option", "ignoring override_option (not implemented by Envoy either),"
                    + " first at " + path.field("override_option"));
        }
        List<RateLimitPolicy> rateLimits = RateLimitPolicyTranslator.policies(p.getRateLimitsList(),
                path.field("rate_limits"), ctx);
        for (int i = 0; i < rateLimits.size(); i++) {
            if (p.getRateLimits(i).hasStage() || !rateLimits.get(i).disableKey().isEmpty()) {
                ctx.warnOnce("ratelimit:per_route_stage", "ignoring stage and disable_key of per-route rate_limits"
                        + " (Envoy does not support them there), first at " + path.field("rate_limits").index(i));
            }
        }
        return new RateLimitPerRouteConfig(vh, rateLimits, p.getDomain());
    }

    @Override
    public HttpFilterFactory.Provider<RateLimitConfig> runtime() {
        return new RateLimitFilterFactory.Provider();
    }
}
