package io.remora.xds.grpc;

import io.grpc.netty.NettyChannelBuilder;
import io.remora.config.RetryPolicy;
import io.remora.config.RetryPolicy.RetryOn;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A gRPC service's {@code retry_policy} on a grpc-java channel (the access loggers' calls): grpc-java's retry policy
 * with the same attempts ({@code num_retries} + 1), the same full-jitter back-off doubling from the base to the max
 * interval, and the policy's gRPC status conditions as its retryable codes. grpc-java retries a call only until its
 * answer starts, replaying what was sent, as Envoy's router does.
 */
public final class GrpcJavaRetries {

    private GrpcJavaRetries() {
    }

    /** The gRPC status names of the policy's retry_on (cancelled, deadline-exceeded, ...), in grpc-java's spelling. */
    public static List<String> statusCodes(RetryPolicy p) {
        List<String> codes = new ArrayList<>();
        for (RetryOn on : RetryOn.values()) {
            if (p.retryOn().contains(on)) {
                switch (on) {
                    case GRPC_CANCELLED -> codes.add("CANCELLED");
                    case GRPC_DEADLINE_EXCEEDED -> codes.add("DEADLINE_EXCEEDED");
                    case GRPC_INTERNAL -> codes.add("INTERNAL");
                    case GRPC_RESOURCE_EXHAUSTED -> codes.add("RESOURCE_EXHAUSTED");
                    case GRPC_UNAVAILABLE -> codes.add("UNAVAILABLE");
                    default -> { }
                }
            }
        }
        return codes;
    }

    /** The channel builder with the policy's retries; unchanged when there is none or it names no gRPC status. */
    static NettyChannelBuilder apply(NettyChannelBuilder b, RetryPolicy p) {
        List<String> codes = p == null ? List.of() : statusCodes(p);
        if (codes.isEmpty() || p.numRetries() < 1) {
            return b;
        }
        double attempts = p.numRetries() + 1.0;
        Map<String, Object> retry = Map.of("maxAttempts", attempts, "initialBackoff", seconds(p.baseInterval()),
                "maxBackoff", seconds(p.maxInterval()), "backoffMultiplier", 2.0, "retryableStatusCodes", codes);
        Map<String, Object> everyMethod = Map.of("name", List.of(Map.of()), "retryPolicy", retry);
        return b.enableRetry().maxRetryAttempts(p.numRetries() + 1)
                .defaultServiceConfig(Map.of("methodConfig", List.of(everyMethod)));
    }

    private static String seconds(Duration d) {
        return d.toMillis() / 1000.0 + "s";
    }
}
