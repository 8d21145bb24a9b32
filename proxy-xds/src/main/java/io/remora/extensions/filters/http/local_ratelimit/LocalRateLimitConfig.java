package io.remora.extensions.filters.http.local_ratelimit;

import io.remora.config.HeaderMutation;
import io.remora.config.HttpFilterConfig;
import io.remora.config.RateLimitPolicy;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.filters.common.RuntimeFraction;
import io.remora.extensions.filters.common.RuntimeSlot;
import io.remora.ratelimit.TokenBucketSpec;
import io.remora.extensions.filters.http.common.DescriptorEntry;
import io.remora.extensions.filters.http.common.DescriptorEvaluator.VhRateLimits;

import java.util.List;

/**
 * {@code envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit}, as the filter's config
 * and as a route's {@code typed_per_filter_config} (which replaces it on that route, with its own
 * buckets and stats).
 *
 * @param tokenBucket    null: no default bucket (allowed only at the filter level; nothing is limited
 *                       except by descriptors)
 * @param filterEnabled  null: disabled (Envoy's default of 0%)
 * @param filterEnforced null: never enforced (0%), only counted
 * @param rateLimits     the embedded {@code rate_limits} that make a request's descriptors; when empty the
 *                       route's (and virtual host's) rate_limits of this {@code stage} do
 * @param vhRateLimits   {@code vh_rate_limits}: whether the virtual host's rate_limits join the route's
 * @param localClusterShare {@code local_cluster_rate_limit}: the buckets are the whole local cluster's,
 *                       so a request takes as many tokens as the cluster has members
 * @param runtime        where the buckets of this config instance live; not part of its value
 */
public record LocalRateLimitConfig(String statPrefix, int status, TokenBucketSpec tokenBucket,
                                   RuntimeFraction filterEnabled, RuntimeFraction filterEnforced,
                                   List<HeaderMutation.HeaderValueOption> requestHeadersToAddWhenNotEnforced,
                                   List<HeaderMutation.HeaderValueOption> responseHeadersToAdd,
                                   List<DescriptorLimit> descriptors, List<RateLimitPolicy> rateLimits, int stage,
                                   VhRateLimits vhRateLimits,
                                   boolean perConnection, boolean xRateLimitHeaders, boolean alwaysConsumeDefaultBucket,
                                   boolean rateLimitedAsResourceExhausted, int maxDynamicDescriptors,
                                   boolean localClusterShare, RuntimeSlot runtime) implements HttpFilterConfig, RouteFilterConfig {

    public static final String NAME = "envoy.filters.http.local_ratelimit";

    public LocalRateLimitConfig {
        requestHeadersToAddWhenNotEnforced = List.copyOf(requestHeadersToAddWhenNotEnforced);
        responseHeadersToAdd = List.copyOf(responseHeadersToAdd);
        descriptors = List.copyOf(descriptors);
        rateLimits = List.copyOf(rateLimits);
    }

    @Override
    public String filterName() {
        return NAME;
    }

    public static Builder builder(String statPrefix) {
        return new Builder(statPrefix);
    }

    /** {@code LocalRateLimitDescriptor}: the entries a request descriptor must have, and their bucket. */
    public record DescriptorLimit(List<DescriptorEntry> entries, TokenBucketSpec tokenBucket) {
        public DescriptorLimit {
            entries = List.copyOf(entries);
        }

        boolean wildcard() {
            for (DescriptorEntry e : entries) {
                if (e.value().isEmpty()) {
                    return true;
                }
            }
            return false;
        }
    }

    /** Builds a config with Envoy's defaults (status 429, disabled, default bucket always consumed). */
    public static final class Builder {
        private final String statPrefix;
        private int status = 429;
        private TokenBucketSpec tokenBucket;
        private RuntimeFraction filterEnabled;
        private RuntimeFraction filterEnforced;
        private List<HeaderMutation.HeaderValueOption> requestHeadersToAddWhenNotEnforced = List.of();
        private List<HeaderMutation.HeaderValueOption> responseHeadersToAdd = List.of();
        private List<DescriptorLimit> descriptors = List.of();
        private List<RateLimitPolicy> rateLimits = List.of();
        private int stage;
        private VhRateLimits vhRateLimits = VhRateLimits.OVERRIDE;
        private boolean perConnection;
        private boolean localClusterShare;
        private boolean xRateLimitHeaders;
        private boolean alwaysConsumeDefaultBucket = true;
        private boolean rateLimitedAsResourceExhausted;
        private int maxDynamicDescriptors = 20;

        private Builder(String statPrefix) {
            this.statPrefix = statPrefix;
        }

        public Builder status(int v) {
            status = v;
            return this;
        }

        public Builder tokenBucket(TokenBucketSpec v) {
            tokenBucket = v;
            return this;
        }

        public Builder filterEnabled(RuntimeFraction v) {
            filterEnabled = v;
            return this;
        }

        public Builder filterEnforced(RuntimeFraction v) {
            filterEnforced = v;
            return this;
        }

        public Builder requestHeadersToAddWhenNotEnforced(List<HeaderMutation.HeaderValueOption> v) {
            requestHeadersToAddWhenNotEnforced = v;
            return this;
        }

        public Builder responseHeadersToAdd(List<HeaderMutation.HeaderValueOption> v) {
            responseHeadersToAdd = v;
            return this;
        }

        public Builder descriptors(List<DescriptorLimit> v) {
            descriptors = v;
            return this;
        }

        public Builder vhRateLimits(VhRateLimits v) {
            vhRateLimits = v;
            return this;
        }

        public Builder rateLimits(List<RateLimitPolicy> v) {
            rateLimits = v;
            return this;
        }

        public Builder stage(int v) {
            stage = v;
            return this;
        }

        public Builder perConnection(boolean v) {
            perConnection = v;
            return this;
        }

        public Builder xRateLimitHeaders(boolean v) {
            xRateLimitHeaders = v;
            return this;
        }

        public Builder alwaysConsumeDefaultBucket(boolean v) {
            alwaysConsumeDefaultBucket = v;
            return this;
        }

        public Builder rateLimitedAsResourceExhausted(boolean v) {
            rateLimitedAsResourceExhausted = v;
            return this;
        }

        public Builder maxDynamicDescriptors(int v) {
            maxDynamicDescriptors = v;
            return this;
        }

        public Builder localClusterShare(boolean v) {
            localClusterShare = v;
            return this;
        }

        public LocalRateLimitConfig build() {
            return new LocalRateLimitConfig(statPrefix, status, tokenBucket, filterEnabled, filterEnforced,
                    requestHeadersToAddWhenNotEnforced, responseHeadersToAdd, descriptors, rateLimits, stage,
                    vhRateLimits, perConnection, xRateLimitHeaders, alwaysConsumeDefaultBucket, rateLimitedAsResourceExhausted,
                    maxDynamicDescriptors, localClusterShare, new RuntimeSlot());
        }
    }
}
