package io.remora.config;

import java.time.Duration;
import java.util.List;
import com.google.re2j.Pattern;

/**
 * {@code config.route.v3.RouteAction} (Envoy's "route" action).
 *
 * @param prefixRewrite      null when unset
 * @param regexRewrite       null when unset
 * @param hostRewriteLiteral null when unset
 * @param hostRewriteHeader  null when unset
 * @param timeout            default 15 s; ZERO disables
 * @param idleTimeout        per-stream idle timeout override; null inherits the HCM's
 * @param retryPolicy        null inherits the virtual host's; none at all means no retries
 * @param maxGrpcTimeout     null: ignore grpc-timeout; otherwise cap it (ZERO = no cap)
 * @param hashPolicies       {@code hash_policy}: what RING_HASH/MAGLEV clusters hash; empty = none
 * @param rateLimits         {@code rate_limits}: descriptors for rate limit filters that take them from the route
 * @param includeVhRateLimits {@code include_vh_rate_limits}: the virtual host's rate_limits apply as well
 * @param hostRewritePathRegex {@code host_rewrite_path_regex}: the host is the path (without its
 *                           query) rewritten by it; null when unset
 * @param appendXForwardedHost {@code append_x_forwarded_host}: a host rewrite appends the original
 *                           host to x-forwarded-host
 * @param metadataMatch      {@code metadata_match}'s {@code envoy.lb} criteria for subset load
 *                           balancing; empty for none
 * @param clusterNotFoundStatus {@code cluster_not_found_response_code}: 503 (Envoy's default), 404 or 500
 * @param maxStreamDuration  {@code max_stream_duration}; null when the route has none. Present (even
 *                           empty), it takes the route's timeouts from the router to the
 *                           connection manager, as Envoy's usingNewTimeouts: the router then ignores
 *                           {@code timeout}, {@code max_grpc_timeout} and {@code grpc_timeout_offset}
 * @param internalRedirectPolicy {@code internal_redirect_policy}: upstream redirects the router
 *                           follows itself; null: every redirect goes to the client
 * @param hedgePolicy        {@code hedge_policy}: null inherits the virtual host's
 * @param pathTemplateRewrite {@code path_rewrite_policy} (a URI template rewrite of the route's
 *                           {@code path_match_policy} captures); null when unset
 * @param requestBufferLimit {@code per_request_buffer_limit_bytes} of the route, else its virtual
 *                           host: the most request body held for retries and mirrors, or
 *                           {@link #NO_REQUEST_BUFFER_LIMIT}
 * @param grpcTimeoutOffset  the deprecated {@code grpc_timeout_offset}: taken off the grpc-timeout
 *                           header's timeout under maxGrpcTimeout, before the cap and only when
 *                           smaller than that timeout; null for none
 * @param highPriority       {@code priority: HIGH}: the request takes the cluster's HIGH circuit
 *                           breakers and connection pools
 */
public record ForwardAction(
        ClusterSpecifier cluster,
        String prefixRewrite,
        RegexRewrite regexRewrite,
        String hostRewriteLiteral,
        boolean autoHostRewrite,
        String hostRewriteHeader,
        Duration timeout,
        Duration idleTimeout,
        RetryPolicy retryPolicy,
        List<MirrorPolicy> mirrors,
        Duration maxGrpcTimeout,
        UpgradeConfig upgrades,
        List<HashPolicy> hashPolicies,
        List<RateLimitPolicy> rateLimits,
        boolean includeVhRateLimits,
        RegexRewrite hostRewritePathRegex,
        boolean appendXForwardedHost,
        java.util.Map<String, Object> metadataMatch,
        int clusterNotFoundStatus,
        StreamDuration maxStreamDuration,
        InternalRedirectPolicy internalRedirectPolicy,
        HedgePolicy hedgePolicy,
        io.remora.matching.UriTemplateRewrite pathTemplateRewrite,
        int requestBufferLimit,
        Duration grpcTimeoutOffset,
        boolean highPriority) implements RouteAction {

    /**
     * {@code RouteAction.MaxStreamDuration}, which the connection manager enforces from the stream's
     * start (Envoy's refreshDurationTimeout).
     *
     * @param max              {@code max_stream_duration}: replaces the connection manager's; null
     *                         when unset, ZERO disables
     * @param grpcHeaderMax    {@code grpc_timeout_header_max}: a gRPC request's grpc-timeout, capped
     *                         by this (ZERO: no cap), bounds the stream instead; null when unset
     * @param grpcHeaderOffset {@code grpc_timeout_header_offset}: taken off that timeout (one it
     *                         uses up ends the stream at once); ZERO for none
     */
    public record StreamDuration(Duration max, Duration grpcHeaderMax, Duration grpcHeaderOffset) {
        public StreamDuration {
            grpcHeaderOffset = grpcHeaderOffset == null ? Duration.ZERO : grpcHeaderOffset;
        }
    }

    public ForwardAction {
        clusterNotFoundStatus = clusterNotFoundStatus == 0 ? 503 : clusterNotFoundStatus;
        metadataMatch = metadataMatch == null ? java.util.Map.of() : java.util.Map.copyOf(metadataMatch);
        upgrades = upgrades == null ? UpgradeConfig.NONE : upgrades;
        hashPolicies = hashPolicies == null ? List.of() : List.copyOf(hashPolicies);
        rateLimits = rateLimits == null ? List.of() : List.copyOf(rateLimits);
    }

    /** No per_request_buffer_limit_bytes on the route or its virtual host. */
    public static final int NO_REQUEST_BUFFER_LIMIT = -1;

    /** Without host_rewrite_path_regex, append_x_forwarded_host and metadata_match. */
    public ForwardAction(ClusterSpecifier cluster, String prefixRewrite, RegexRewrite regexRewrite,
                         String hostRewriteLiteral, boolean autoHostRewrite, String hostRewriteHeader, Duration timeout,
                         Duration idleTimeout, RetryPolicy retryPolicy, List<MirrorPolicy> mirrors,
                         Duration maxGrpcTimeout, UpgradeConfig upgrades, List<HashPolicy> hashPolicies,
                         List<RateLimitPolicy> rateLimits, boolean includeVhRateLimits) {
        this(cluster, prefixRewrite, regexRewrite, hostRewriteLiteral, autoHostRewrite, hostRewriteHeader, timeout,
                idleTimeout, retryPolicy, mirrors, maxGrpcTimeout, upgrades, hashPolicies, rateLimits,
                includeVhRateLimits, null, false, null, 503, null, null, null, null, NO_REQUEST_BUFFER_LIMIT, null,
                false);
    }

    /** Without rate limits. */
    public ForwardAction(ClusterSpecifier cluster, String prefixRewrite, RegexRewrite regexRewrite,
                         String hostRewriteLiteral, boolean autoHostRewrite, String hostRewriteHeader, Duration timeout,
                         Duration idleTimeout, RetryPolicy retryPolicy, List<MirrorPolicy> mirrors,
                         Duration maxGrpcTimeout, UpgradeConfig upgrades, List<HashPolicy> hashPolicies) {
        this(cluster, prefixRewrite, regexRewrite, hostRewriteLiteral, autoHostRewrite, hostRewriteHeader, timeout,
                idleTimeout, retryPolicy, mirrors, maxGrpcTimeout, upgrades, hashPolicies, List.of(), false);
    }

    /** Without hash policies. */
    public ForwardAction(ClusterSpecifier cluster, String prefixRewrite, RegexRewrite regexRewrite,
                         String hostRewriteLiteral, boolean autoHostRewrite, String hostRewriteHeader, Duration timeout,
                         Duration idleTimeout, RetryPolicy retryPolicy, List<MirrorPolicy> mirrors,
                         Duration maxGrpcTimeout, UpgradeConfig upgrades) {
        this(cluster, prefixRewrite, regexRewrite, hostRewriteLiteral, autoHostRewrite, hostRewriteHeader, timeout,
                idleTimeout, retryPolicy, mirrors, maxGrpcTimeout, upgrades, List.of());
    }

    public static Builder builder(ClusterSpecifier cluster) {
        return new Builder(cluster);
    }

    /** Defaults as Envoy's: 15 s timeout, no rewrites, retries or mirrors, 503 for a missing cluster. */
    public static final class Builder {
        private final ClusterSpecifier cluster;
        private String prefixRewrite;
        private RegexRewrite regexRewrite;
        private String hostRewriteLiteral;
        private boolean autoHostRewrite;
        private String hostRewriteHeader;
        private Duration timeout = Duration.ofSeconds(15);
        private Duration idleTimeout;
        private RetryPolicy retryPolicy;
        private List<MirrorPolicy> mirrors = List.of();
        private Duration maxGrpcTimeout;
        private UpgradeConfig upgrades = UpgradeConfig.NONE;
        private List<HashPolicy> hashPolicies = List.of();
        private List<RateLimitPolicy> rateLimits = List.of();
        private boolean includeVhRateLimits;
        private RegexRewrite hostRewritePathRegex;
        private boolean appendXForwardedHost;
        private java.util.Map<String, Object> metadataMatch = java.util.Map.of();
        private int clusterNotFoundStatus = 503;
        private StreamDuration maxStreamDuration;
        private Duration grpcTimeoutOffset;
        private boolean highPriority;
        private InternalRedirectPolicy internalRedirectPolicy;
        private HedgePolicy hedgePolicy;
        private io.remora.matching.UriTemplateRewrite pathTemplateRewrite;
        private int requestBufferLimit = NO_REQUEST_BUFFER_LIMIT;

        private Builder(ClusterSpecifier cluster) {
            this.cluster = cluster;
        }

        public Builder prefixRewrite(String v) {
            prefixRewrite = v;
            return this;
        }

        public Builder regexRewrite(RegexRewrite v) {
            regexRewrite = v;
            return this;
        }

        public Builder hostRewriteLiteral(String v) {
            hostRewriteLiteral = v;
            return this;
        }

        public Builder autoHostRewrite(boolean v) {
            autoHostRewrite = v;
            return this;
        }

        public Builder hostRewriteHeader(String v) {
            hostRewriteHeader = v;
            return this;
        }

        public Builder timeout(Duration v) {
            timeout = v;
            return this;
        }

        public Builder idleTimeout(Duration v) {
            idleTimeout = v;
            return this;
        }

        public Builder retryPolicy(RetryPolicy v) {
            retryPolicy = v;
            return this;
        }

        public Builder mirrors(List<MirrorPolicy> v) {
            mirrors = List.copyOf(v);
            return this;
        }

        public Builder maxGrpcTimeout(Duration v) {
            maxGrpcTimeout = v;
            return this;
        }

        public Builder upgrades(UpgradeConfig v) {
            upgrades = v;
            return this;
        }

        public Builder hashPolicies(List<HashPolicy> v) {
            hashPolicies = v;
            return this;
        }

        public Builder rateLimits(List<RateLimitPolicy> v) {
            rateLimits = v;
            return this;
        }

        public Builder includeVhRateLimits(boolean v) {
            includeVhRateLimits = v;
            return this;
        }

        public Builder hostRewritePathRegex(RegexRewrite v) {
            hostRewritePathRegex = v;
            return this;
        }

        public Builder appendXForwardedHost(boolean v) {
            appendXForwardedHost = v;
            return this;
        }

        public Builder metadataMatch(java.util.Map<String, Object> v) {
            metadataMatch = v;
            return this;
        }

        public Builder clusterNotFoundStatus(int v) {
            clusterNotFoundStatus = v;
            return this;
        }

        public Builder maxStreamDuration(StreamDuration v) {
            maxStreamDuration = v;
            return this;
        }

        public Builder internalRedirectPolicy(InternalRedirectPolicy v) {
            internalRedirectPolicy = v;
            return this;
        }

        public Builder hedgePolicy(HedgePolicy v) {
            hedgePolicy = v;
            return this;
        }

        public Builder pathTemplateRewrite(io.remora.matching.UriTemplateRewrite v) {
            pathTemplateRewrite = v;
            return this;
        }

        /**
         * {@code per_request_buffer_limit_bytes} of the route, else of its virtual host: the most
         * request body the router holds for retries and mirrors (0 is a limit: hold nothing).
         */
        public Builder requestBufferLimit(int v) {
            requestBufferLimit = v;
            return this;
        }

        public Builder grpcTimeoutOffset(Duration v) {
            grpcTimeoutOffset = v;
            return this;
        }

        public Builder highPriority(boolean v) {
            highPriority = v;
            return this;
        }

        public ForwardAction build() {
            return new ForwardAction(cluster, prefixRewrite, regexRewrite, hostRewriteLiteral, autoHostRewrite,
                    hostRewriteHeader, timeout, idleTimeout, retryPolicy, mirrors, maxGrpcTimeout, upgrades,
                    hashPolicies, rateLimits, includeVhRateLimits, hostRewritePathRegex, appendXForwardedHost,
                    metadataMatch, clusterNotFoundStatus, maxStreamDuration, internalRedirectPolicy, hedgePolicy,
                    pathTemplateRewrite, requestBufferLimit, grpcTimeoutOffset, highPriority);
        }
    }

    /** {@code regex_rewrite}: replace every match of pattern in the path by substitution (\1 groups). */
    public record RegexRewrite(Pattern pattern, String substitution) {
    }

    /**
     * One of {@code request_mirror_policies}.
     *
     * @param cluster       the mirror cluster, or null when {@code clusterHeader} names it per request
     * @param clusterHeader the request header naming the cluster (lower case), or null
     * @param fraction      the runtime fraction's default, or null for every request
     * @param runtimeKey    the runtime key whose value replaces {@code fraction}, or null
     * @param disableShadowHostSuffixAppend the mirror keeps the request's host (no "-shadow")
     * @param traceSampled  the mirror's trace decision ({@code trace_sampled}); null: the request's
     */
    public record MirrorPolicy(String cluster, String clusterHeader, io.remora.runtime.FractionalPercent fraction,
                               String runtimeKey, boolean disableShadowHostSuffixAppend, Boolean traceSampled) {
        public MirrorPolicy(String cluster, String clusterHeader, io.remora.runtime.FractionalPercent fraction,
                            boolean disableShadowHostSuffixAppend) {
            this(cluster, clusterHeader, fraction, null, disableShadowHostSuffixAppend, null);
        }

        /** A mirror to one named cluster, with Envoy's "-shadow" host. */
        public static MirrorPolicy of(String cluster, io.remora.runtime.FractionalPercent fraction) {
            return new MirrorPolicy(cluster, null, fraction, false);
        }
    }

    /**
     * The route's {@code upgrade_configs} and {@code connect_config}.
     *
     * @param overrides     upgrade type (lower case) to the route's {@code enabled}; a type the route
     *                      does not name follows the connection manager's {@code upgrade_configs}
     * @param connectConfig non-null: this route terminates CONNECT (and POST when allowed) and
     *                      proxies the payload as raw TCP to the cluster's host
     */
    public record UpgradeConfig(java.util.Map<String, Boolean> overrides, ConnectConfig connectConfig) {
        public static final UpgradeConfig NONE = new UpgradeConfig(java.util.Map.of(), null);

        public UpgradeConfig {
            java.util.Map<String, Boolean> m = new java.util.HashMap<>();
            if (overrides != null) {
                overrides.forEach((k, v) -> m.put(k.toLowerCase(java.util.Locale.ROOT), v));
            }
            overrides = java.util.Map.copyOf(m);
        }

        /** The route's word on an upgrade type (any case): TRUE, FALSE, or null when it says nothing. */
        public Boolean enabled(String upgradeType) {
            return overrides.isEmpty() ? null : overrides.get(upgradeType.toLowerCase(java.util.Locale.ROOT));
        }
    }

    /** {@code RouteAction.UpgradeConfig.ConnectConfig}; allowPost: POST bodies are tunnelled too. */
    public record ConnectConfig(boolean allowPost) {
    }
}
