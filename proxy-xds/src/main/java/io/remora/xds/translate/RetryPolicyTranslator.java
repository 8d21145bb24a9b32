package io.remora.xds.translate;

import io.remora.config.RetryPolicy;

import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.Set;

/** {@code config.route.v3.RetryPolicy}. */
public final class RetryPolicyTranslator {

    private static final Duration DEFAULT_BASE_INTERVAL = Duration.ofMillis(25);

    private RetryPolicyTranslator() {
    }

    public static RetryPolicy translate(io.envoyproxy.envoy.config.route.v3.RetryPolicy p, FieldPath path,
                                        TranslationContext ctx) {
        Set<RetryPolicy.RetryOn> on = EnumSet.noneOf(RetryPolicy.RetryOn.class);
        for (String raw : p.getRetryOn().split(",")) {
            String token = raw.trim();
            if (token.isEmpty()) {
                continue;
            }
            RetryPolicy.RetryOn r = RetryPolicy.RetryOn.ofToken(token);
            if (r == null) {
                throw path.field("retry_on").error("unknown retry condition '" + token + "'");
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
            base = Protos.duration(b.getBaseInterval());
            if (base.toMillis() < 1) {
                throw bp.field("base_interval").error("must be at least 1ms");
            }
            if (b.hasMaxInterval()) {
                max = Protos.duration(b.getMaxInterval());
                if (max.compareTo(base) < 0) {
                    throw bp.field("max_interval").error("must not be less than base_interval");
                }
            }
        }
        if (max == null) {
            max = base.multipliedBy(10);
        }
        Set<Integer> codes = new LinkedHashSet<>();
        for (int i = 0; i < p.getRetriableStatusCodesCount(); i++) {
            int c = p.getRetriableStatusCodes(i);
            if (c < 100 || c > 599) {
                throw path.field("retriable_status_codes").index(i).error("not an HTTP status code: " + c);
            }
            codes.add(c);
        }
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
                .build();
    }
}
