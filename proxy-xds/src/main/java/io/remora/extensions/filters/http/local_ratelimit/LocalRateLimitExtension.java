package io.remora.extensions.filters.http.local_ratelimit;

import io.envoyproxy.envoy.extensions.common.ratelimit.v3.LocalRateLimitDescriptor;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.XRateLimitHeadersRFCVersion;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.HttpFilterExtension;
import io.remora.extensions.filters.common.FilterProtos;
import io.remora.extensions.filters.common.RuntimeFraction;
import io.remora.ratelimit.TokenBucketSpec;
import io.remora.extensions.filters.http.common.DescriptorEntry;
import io.remora.extensions.filters.http.common.DescriptorEvaluator.VhRateLimits;
import io.remora.extensions.filters.http.local_ratelimit.LocalRateLimitConfig.DescriptorLimit;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.RateLimitPolicyTranslator;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** {@code envoy.filters.http.local_ratelimit}: token buckets per filter, route and descriptor. */
public final class LocalRateLimitExtension implements HttpFilterExtension<LocalRateLimitConfig> {

    static final String TYPE = "envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit";

    @Override
    public List<String> names() {
        return List.of(LocalRateLimitConfig.NAME);
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
    public LocalRateLimitConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field (stat_prefix is required)");
        }
        return translate(config.unpack(LocalRateLimit.class, path), path, ctx, false);
    }

    @Override
    public RouteFilterConfig translatePerRoute(TypedConfig config, FieldPath path, TranslationContext ctx) {
        return translate(config.unpack(LocalRateLimit.class, path), path, ctx, true);
    }

    @Override
    public HttpFilterFactory.Provider<LocalRateLimitConfig> runtime() {
        return new LocalRateLimitFilterFactory.Provider();
    }

    static LocalRateLimitConfig translate(LocalRateLimit c, FieldPath path, TranslationContext ctx, boolean perRoute) {
        if (c.getStatPrefix().isEmpty()) {
            throw path.field("stat_prefix").error("missing required field");
        }
        LocalRateLimitConfig.Builder b = LocalRateLimitConfig.builder(c.getStatPrefix());
        if (c.hasStatus()) {
            int code = c.getStatus().getCodeValue();
            if (code <= 0) {
                throw path.field("status").field("code").error("must be a defined HTTP status code");
            }
            // Envoy's toErrorCode: anything below 400 becomes 429.
            b.status(code >= 400 && code < 600 ? code : 429);
        }
        TokenBucketSpec bucket = null;
        if (c.hasTokenBucket()) {
            bucket = FilterProtos.tokenBucket(c.getTokenBucket(), path.field("token_bucket"));
            b.tokenBucket(bucket);
        } else if (perRoute) {
            throw path.field("token_bucket").error("local rate limit token bucket must be set for per filter configs");
        }
        if (c.hasFilterEnabled()) {
            b.filterEnabled(RuntimeFraction.of(c.getFilterEnabled(), path.field("filter_enabled")));
        }
        if (c.hasFilterEnforced()) {
            b.filterEnforced(RuntimeFraction.of(c.getFilterEnforced(), path.field("filter_enforced")));
        }
        b.requestHeadersToAddWhenNotEnforced(FilterProtos.headersToAdd(c.getRequestHeadersToAddWhenNotEnforcedList(),
                path.field("request_headers_to_add_when_not_enforced")));
        b.responseHeadersToAdd(FilterProtos.headersToAdd(c.getResponseHeadersToAddList(), path.field("response_headers_to_add")));
        b.descriptors(descriptors(c.getDescriptorsList(), bucket, path.field("descriptors")));
        if (c.getStage() > 10) {
            throw path.field("stage").error("must be at most 10");
        }
        b.stage(c.getStage());
        if (c.getLocalRateLimitPerDownstreamConnection() && c.hasLocalClusterRateLimit()) {
            throw path.field("local_cluster_rate_limit")
                    .error("local_cluster_rate_limit is set and local_rate_limit_per_downstream_connection is set to true");
        }
        // Envoy's FilterConfig refuses it for the filter and per route alike: there is nothing to share the rate with.
        if (c.hasLocalClusterRateLimit() && "".equals(ctx.localClusterName())) {
            throw path.field("local_cluster_rate_limit").error(LocalClusterShare.NO_LOCAL_CLUSTER);
        }
        b.localClusterShare(c.hasLocalClusterRateLimit());
        b.perConnection(c.getLocalRateLimitPerDownstreamConnection());
        if (c.getEnableXRatelimitHeaders() == XRateLimitHeadersRFCVersion.UNRECOGNIZED) {
            throw path.field("enable_x_ratelimit_headers").error("unknown value " + c.getEnableXRatelimitHeadersValue());
        }
        b.xRateLimitHeaders(c.getEnableXRatelimitHeaders() == XRateLimitHeadersRFCVersion.DRAFT_VERSION_03);
        b.alwaysConsumeDefaultBucket(!c.hasAlwaysConsumeDefaultTokenBucket()
                || c.getAlwaysConsumeDefaultTokenBucket().getValue());
        b.rateLimitedAsResourceExhausted(c.getRateLimitedAsResourceExhausted());
        if (c.hasMaxDynamicDescriptors()) {
            if (c.getMaxDynamicDescriptors().getValue() < 1) {
                throw path.field("max_dynamic_descriptors").error("must be at least 1");
            }
            b.maxDynamicDescriptors(Math.min(Integer.MAX_VALUE, c.getMaxDynamicDescriptors().getValue()));
        }
        b.rateLimits(RateLimitPolicyTranslator.policies(c.getRateLimitsList(), path.field("rate_limits"), ctx));
        b.vhRateLimits(switch (c.getVhRateLimits()) {
            case OVERRIDE -> VhRateLimits.OVERRIDE;
            case INCLUDE -> VhRateLimits.INCLUDE;
            case IGNORE -> VhRateLimits.IGNORE;
            default -> throw path.field("vh_rate_limits").error("unknown value " + c.getVhRateLimitsValue());
        });
        return b.build();
    }

    private static List<DescriptorLimit> descriptors(List<LocalRateLimitDescriptor> in, TokenBucketSpec global,
                                                     FieldPath path) {
        List<DescriptorLimit> out = new ArrayList<>(in.size());
        Set<List<DescriptorEntry>> seen = new HashSet<>();
        for (int i = 0; i < in.size(); i++) {
            LocalRateLimitDescriptor d = in.get(i);
            FieldPath dp = path.index(i);
            if (d.getEntriesCount() == 0) {
                throw dp.field("entries").error("at least one entry is required");
            }
            List<DescriptorEntry> entries = new ArrayList<>();
            for (int j = 0; j < d.getEntriesCount(); j++) {
                RateLimitDescriptor.Entry e = d.getEntries(j);
                if (e.getKey().isEmpty()) {
                    throw dp.field("entries").index(j).field("key").error("missing required field");
                }
                entries.add(new DescriptorEntry(e.getKey(), e.getValue()));
            }
            if (!d.hasTokenBucket()) {
                throw dp.field("token_bucket").error("missing required field");
            }
            TokenBucketSpec bucket = FilterProtos.tokenBucket(d.getTokenBucket(), dp.field("token_bucket"));
            if (global != null && bucket.fillIntervalMillis() % global.fillIntervalMillis() != 0) {
                throw dp.field("token_bucket").field("fill_interval")
                        .error("local rate descriptor limit is not a multiple of token bucket fill timer");
            }
            if (!seen.add(entries)) {
                throw dp.error("duplicate descriptor in the local rate descriptor: " + entries);
            }
            out.add(new DescriptorLimit(entries, bucket));
        }
        return out;
    }
}
