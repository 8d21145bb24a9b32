package io.remora.xds.translate;

import io.remora.config.RetryPolicy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** {@code config.route.v3.RetryPolicy}. */
public final class RetryPolicyTranslator {

    private static final Duration DEFAULT_BASE_INTERVAL = Duration.ofMillis(25);

    private RetryPolicyTranslator() {
    }

    /**
     * A route's or virtual host's {@code retry_policy}, or its {@code retry_policy_typed_config}
     * when that holds a RetryPolicy (the only type it can hold: Envoy has no retry policy
     * extension); null when neither is set.
     *
     * @param path the route action or virtual host
     */
    static RetryPolicy either(boolean hasPolicy, io.envoyproxy.envoy.config.route.v3.RetryPolicy p,
                              boolean hasTyped, com.google.protobuf.Any typed, FieldPath path,
                              TranslationContext ctx) {
        if (hasTyped) {
            FieldPath tp = path.field("retry_policy_typed_config");
            if (hasPolicy) {
                throw tp.error("retry_policy and retry_policy_typed_config are mutually exclusive");
            }
            String type = Protos.typeName(typed);
            if (!type.equals(io.envoyproxy.envoy.config.route.v3.RetryPolicy.getDescriptor().getFullName())) {
                throw tp.error("unsupported retry policy type '" + type + "': only envoy.config.route.v3.RetryPolicy");
            }
            return translate(Protos.unpack(typed, io.envoyproxy.envoy.config.route.v3.RetryPolicy.class, tp), tp, ctx);
        }
        return hasPolicy ? translate(p, path.field("retry_policy"), ctx) : null;
    }

    public static RetryPolicy translate(io.envoyproxy.envoy.config.route.v3.RetryPolicy p, FieldPath path,
                                        TranslationContext ctx) {
        for (int i = 0; i < p.getRetryOptionsPredicatesCount(); i++) {
            // Envoy registers no envoy.retry_options_predicates extension: it refuses every one too.
            var pred = p.getRetryOptionsPredicates(i);
            throw path.field("retry_options_predicates").index(i).error("unsupported retry options predicate '"
                    + pred.getName() + "'" + (pred.hasTypedConfig()
                    ? " (" + Protos.typeName(pred.getTypedConfig()) + ")" : ""));
        }
        Set<RetryPolicy.RetryOn> on = EnumSet.noneOf(RetryPolicy.RetryOn.class);
        for (String raw : p.getRetryOn().split(",")) {
            String token = raw.trim();
            if (token.isEmpty()) {
                continue;
            }
            RetryPolicy.RetryOn r = RetryPolicy.RetryOn.ofToken(token);
            if (r == null) {
                // Envoy's RetryPolicyImpl keeps the tokens it knows and drops the rest without a word.
                ctx.warnOnce("retry_on:" + path + ":" + token, "unknown retry condition '" + token
                        + "' is ignored, as Envoy ignores it; at " + path.field("retry_on"));
                continue;
            }
            on.add(r);
        }
        int numRetries = Protos.uint(p.hasNumRetries(), p.getNumRetries(), 1);
        Duration base = DEFAULT_BASE_INTERVAL;
        Duration max = null;
        if (p.hasRetryBackOff()) {
            FieldPath bp = path.field("retry_back_off");
            var b = p.getRetryBackOff();
            if (!b.hasBaseInterval()) {
                throw bp.field("base_interval").error("missing required field");
            }
            base = wholeMillis(b.getBaseInterval(), bp.field("base_interval"));
            if (b.hasMaxInterval()) {
                max = wholeMillis(b.getMaxInterval(), bp.field("max_interval"));
                if (max.compareTo(base) < 0) {
                    throw bp.field("max_interval").error("must not be less than base_interval");
                }
            }
        }
        if (max == null) {
            max = base.multipliedBy(10);
        }
        // Envoy's RetryPolicyImpl takes every code as it is: one no response carries never matches.
        Set<Integer> codes = new LinkedHashSet<>(p.getRetriableStatusCodesList());
        boolean otherHosts = false;
        boolean omitCanary = false;
        java.util.Map<String, Object> omitMetadata = java.util.Map.of();
        for (int i = 0; i < p.getRetryHostPredicateCount(); i++) {
            var pred = p.getRetryHostPredicate(i);
            FieldPath pp = path.field("retry_host_predicate").index(i);
            String type = pred.hasTypedConfig() ? Protos.typeName(pred.getTypedConfig()) : "";
            if (pred.getName().equals("envoy.retry_host_predicates.previous_hosts")
                    || type.equals("envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate")) {
                otherHosts = true;
            } else if (pred.getName().equals("envoy.retry_host_predicates.omit_canary_hosts")
                    || type.equals("envoy.extensions.retry.host.omit_canary_hosts.v3.OmitCanaryHostsPredicate")) {
                omitCanary = true;
            } else if (pred.getName().equals("envoy.retry_host_predicates.omit_host_metadata")
                    || type.equals("envoy.extensions.retry.host.omit_host_metadata.v3.OmitHostMetadataConfig")) {
                var c = pred.hasTypedConfig() ? Protos.unpack(pred.getTypedConfig(),
                        io.envoyproxy.envoy.extensions.retry.host.omit_host_metadata.v3.OmitHostMetadataConfig.class,
                        pp.field("typed_config"))
                        : io.envoyproxy.envoy.extensions.retry.host.omit_host_metadata.v3.OmitHostMetadataConfig
                        .getDefaultInstance();
                // Envoy matches the envoy.lb filter's labels only.
                var labels = c.getMetadataMatch().getFilterMetadataMap().get("envoy.lb");
                omitMetadata = labels == null ? java.util.Map.of() : Protos.structMap(labels);
            } else {
                throw pp.error("unsupported retry host predicate '" + pred.getName() + "'");
            }
        }
        int previousPriorities = 0;
        if (p.hasRetryPriority()) {
            var rp = p.getRetryPriority();
            FieldPath pp = path.field("retry_priority");
            String type = rp.hasTypedConfig() ? Protos.typeName(rp.getTypedConfig()) : "";
            if (!rp.getName().equals("envoy.retry_priorities.previous_priorities")
                    && !type.equals("envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig")) {
                throw pp.field("name").error("unsupported retry priority '" + rp.getName() + "'");
            }
            if (!rp.hasTypedConfig()) {
                throw pp.field("typed_config").error("previous_priorities needs a PreviousPrioritiesConfig");
            }
            var c = Protos.unpack(rp.getTypedConfig(),
                    io.envoyproxy.envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig.class,
                    pp.field("typed_config"));
            if (c.getUpdateFrequency() <= 0) {
                throw pp.field("typed_config").field("update_frequency").error("must be greater than 0");
            }
            previousPriorities = c.getUpdateFrequency();
        }
        int hostAttempts = p.getHostSelectionRetryMaxAttempts() > 0
                ? (int) Math.min(p.getHostSelectionRetryMaxAttempts(), Integer.MAX_VALUE) : 1;
        Duration perTry = p.hasPerTryTimeout() ? Protos.duration(p.getPerTryTimeout()) : null;
        Duration perTryIdle = p.hasPerTryIdleTimeout() ? Protos.duration(p.getPerTryIdleTimeout()) : null;
        return RetryPolicy.builder().retryOn(Set.copyOf(on)).numRetries(numRetries).perTryTimeout(perTry)
                .perTryIdleTimeout(perTryIdle).retriableStatusCodes(Set.copyOf(codes)).backoff(base, max)
                .retryOtherHosts(otherHosts).hostSelectionRetryMaxAttempts(hostAttempts).omitCanaryHosts(omitCanary)
                .omitHostMetadata(omitMetadata).previousPrioritiesUpdateFrequency(previousPriorities)
                .retriableHeaders(HeaderTranslator.matchers(p.getRetriableHeadersList(), path.field("retriable_headers")))
                .retriableRequestHeaders(HeaderTranslator.matchers(p.getRetriableRequestHeadersList(),
                        path.field("retriable_request_headers")))
                .rateLimitedBackOff(resetHeaders(p, path), resetMaxInterval(p, path))
                .build();
    }

    /**
     * A route back-off's interval at {@code at}: above 0 (its validation), in whole milliseconds,
     * one at least, as Envoy's RetryPolicyImpl reads it (PROTOBUF_GET_MS, a sub-millisecond value
     * rounded up to 1 ms).
     */
    private static Duration wholeMillis(com.google.protobuf.Duration d, FieldPath at) {
        Duration v = Protos.duration(d);
        if (v.isNegative() || v.isZero()) {
            throw at.error("must be greater than 0");
        }
        return Duration.ofMillis(Math.max(1, v.toMillis()));
    }

    /** A core back-off's {@code base_interval} (under {@code bp}): required, at least 1 ms. */
    static Duration baseInterval(boolean has, com.google.protobuf.Duration d, FieldPath bp) {
        if (!has) {
            throw bp.field("base_interval").error("missing required field");
        }
        Duration base = Protos.duration(d);
        if (base.toMillis() < 1) {
            throw bp.field("base_interval").error("must be at least 1ms");
        }
        return base;
    }

    /** {@code rate_limited_retry_back_off.reset_headers}: at least one when the back-off is set. */
    private static List<RetryPolicy.ResetHeader> resetHeaders(io.envoyproxy.envoy.config.route.v3.RetryPolicy p,
                                                              FieldPath path) {
        if (!p.hasRateLimitedRetryBackOff()) {
            return List.of();
        }
        var b = p.getRateLimitedRetryBackOff();
        FieldPath hp = path.field("rate_limited_retry_back_off").field("reset_headers");
        if (b.getResetHeadersCount() == 0) {
            throw hp.error("must have at least one reset header");
        }
        List<RetryPolicy.ResetHeader> out = new ArrayList<>();
        for (int i = 0; i < b.getResetHeadersCount(); i++) {
            var h = b.getResetHeaders(i);
            FieldPath ip = hp.index(i);
            if (h.getName().isEmpty()) {
                throw ip.field("name").error("must not be empty");
            }
            boolean unix = switch (h.getFormat()) {
                case SECONDS -> false;
                case UNIX_TIMESTAMP -> true;
                default -> throw ip.field("format").error("unknown reset header format " + h.getFormatValue());
            };
            out.add(new RetryPolicy.ResetHeader(h.getName(), unix));
        }
        return List.copyOf(out);
    }

    private static Duration resetMaxInterval(io.envoyproxy.envoy.config.route.v3.RetryPolicy p, FieldPath path) {
        var b = p.getRateLimitedRetryBackOff();
        if (!b.hasMaxInterval()) {
            return RetryPolicy.DEFAULT_RESET_MAX_INTERVAL;
        }
        Duration max = Protos.duration(b.getMaxInterval());
        if (max.isNegative() || max.isZero()) {
            throw path.field("rate_limited_retry_back_off").field("max_interval").error("must be greater than 0");
        }
        return max;
    }
}
