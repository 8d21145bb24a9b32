package io.remora.xds.translate;

import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.remora.config.RetryPolicy;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * {@code GrpcService.retry_policy} ({@code config.core.v3.RetryPolicy}), the default retry policy of Envoy's async
 * client for the calls it makes to the service: as Envoy's {@code convertCoreToRouteRetryPolicy}, the route retry
 * policy the router then runs has the back-off (base 1 s, max ten times the base), {@code num_retries} (default 1),
 * the policy's own {@code retry_on} and a per-try timeout equal to the back-off's max interval.
 */
final class GrpcRetryPolicyTranslator {

    /** convertCoreToRouteRetryPolicy's default base interval (the route policy's is 25 ms). */
    static final Duration DEFAULT_BASE_INTERVAL = Duration.ofSeconds(1);

    private GrpcRetryPolicyTranslator() {
    }

    /** The service's retry policy at {@code path} ({@code ...grpc_service.retry_policy}). */
    static RetryPolicy translate(io.envoyproxy.envoy.config.core.v3.RetryPolicy p, FieldPath path) {
        Duration base = DEFAULT_BASE_INTERVAL;
        Duration max = null;
        if (p.hasRetryBackOff()) {
            // BackoffStrategy's own validation: base_interval required and at least 1 ms, max_interval above 0.
            FieldPath bp = path.field("retry_back_off");
            var b = p.getRetryBackOff();
            base = RetryPolicyTranslator.baseInterval(b.hasBaseInterval(), b.getBaseInterval(), bp);
            if (b.hasMaxInterval()) {
                max = Protos.duration(b.getMaxInterval());
                if (max.isNegative() || max.isZero()) {
                    throw bp.field("max_interval").error("must be greater than 0");
                }
                if (max.compareTo(base) < 0) {
                    // Envoy's conversion reports a bug and halves max_interval for the base; so does Remora.
                    TranslationContext.warnOnceWithoutContext("grpc_retry_max_interval:" + bp, bp.field("max_interval")
                            + " is below base_interval; using half of max_interval as the base, as Envoy does");
                    base = max.dividedBy(2).isZero() ? Duration.ofMillis(1) : max.dividedBy(2);
                }
            }
        }
        if (max == null) {
            max = base.multipliedBy(10);
        }
        return RetryPolicy.builder().retryOn(retryOn(p.getRetryOn(), path.field("retry_on")))
                .numRetries(Protos.uint(p.hasNumRetries(), p.getNumRetries(), 1))
                .perTryTimeout(max).backoff(base, max).build();
    }

    /**
     * {@code retry_on}: the router's conditions (x-envoy-retry-on's and x-envoy-retry-grpc-on's). Envoy's policy
     * drops a token it does not know; Remora warns about it by path. An empty retry_on retries nothing.
     */
    private static Set<RetryPolicy.RetryOn> retryOn(String value, FieldPath path) {
        Set<RetryPolicy.RetryOn> on = EnumSet.noneOf(RetryPolicy.RetryOn.class);
        for (String raw : value.split(",")) {
            String token = raw.trim();
            if (token.isEmpty()) {
                continue;
            }
            RetryPolicy.RetryOn r = RetryPolicy.RetryOn.ofToken(token);
            if (r == null) {
                TranslationContext.warnOnceWithoutContext("grpc_retry_on:" + path + ":" + token, "unknown retry"
                        + " condition '" + token + "' is ignored, as Envoy ignores it; at " + path);
                continue;
            }
            on.add(r);
        }
        if (on.isEmpty()) {
            TranslationContext.warnOnceWithoutContext("grpc_retry_on_empty:" + path, path + " names no retry"
                    + " condition: the calls are not retried (as in Envoy)");
        }
        return Set.copyOf(on);
    }

    /**
     * What the retries of a gRPC call cannot apply: {@code retry_host_predicate}, {@code retry_priority} and
     * {@code host_selection_retry_max_attempts} (Envoy carries them into the router's policy; Remora's side-call
     * retries pick a host as the first try does), warned about by path.
     */
    static void warnHostSelection(io.envoyproxy.envoy.config.core.v3.RetryPolicy p, FieldPath path) {
        warnIgnored(p.getRetryHostPredicateCount() > 0, path.field("retry_host_predicate"));
        warnIgnored(p.hasRetryPriority(), path.field("retry_priority"));
        warnIgnored(p.getHostSelectionRetryMaxAttempts() != 0, path.field("host_selection_retry_max_attempts"));
    }

    private static void warnIgnored(boolean set, FieldPath field) {
        if (set) {
            TranslationContext.warnOnceWithoutContext("grpc_retry_host:" + field, "ignoring " + field
                    + ": retries of gRPC service calls choose their host as the first try does");
        }
    }

    /**
     * For a grpc-java channel, which retries by gRPC status alone: the policy's other conditions and its per-try
     * timeout are not applied, warned about by {@code path} (the retry_policy).
     */
    static void warnStatusOnly(RetryPolicy p, FieldPath path) {
        for (RetryPolicy.RetryOn on : p.retryOn()) {
            if (!on.name().startsWith("GRPC_")) {
                TranslationContext.warnOnceWithoutContext("grpc_java_retry_on:" + path + ":" + on.token, "retry"
                        + " condition '" + on.token + "' is not applied by this gRPC client (its retries go by gRPC"
                        + " status); ignoring it at " + path.field("retry_on"));
            }
        }
        TranslationContext.warnOnceWithoutContext("grpc_java_per_try:" + path, "no per-try timeout (max_interval) is"
                + " armed by this gRPC client's retries; the call's own timeout bounds them, at " + path);
    }

    /** A service's retry policy, or null when it has none. */
    static RetryPolicy of(GrpcService g, FieldPath path) {
        if (!g.hasRetryPolicy()) {
            return null;
        }
        FieldPath rp = path.field("retry_policy");
        warnHostSelection(g.getRetryPolicy(), rp);
        return translate(g.getRetryPolicy(), rp);
    }
}
