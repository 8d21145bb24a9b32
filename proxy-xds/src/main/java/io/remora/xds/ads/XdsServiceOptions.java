package io.remora.xds.ads;

import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.Protos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What an xDS source's gRPC service asks of its streams besides the address: {@code initial_metadata} on every
 * stream (Envoy's async clients add it to each one, both envoy_grpc and google_grpc) and
 * {@code envoy_grpc.retry_policy.retry_back_off}, the reconnect back-off (Envoy's
 * prepareJitteredExponentialBackOffStrategy: only the back-off is read; max_interval defaults to ten times the base).
 */
final class XdsServiceOptions {
    private XdsServiceOptions() {
    }

    /** {@code target} with the service's metadata and back-off; {@code path} names the service in errors. */
    static XdsTarget apply(XdsTarget target, GrpcService g, FieldPath path) {
        return target.withInitialMetadata(initialMetadata(g, path.field("initial_metadata")))
                .withBackOff(backOff(g, path));
    }

    static List<Map.Entry<String, String>> initialMetadata(GrpcService g, FieldPath path) {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        for (int i = 0; i < g.getInitialMetadataCount(); i++) {
            HeaderValue h = g.getInitialMetadata(i);
            FieldPath p = path.index(i);
            // Envoy's LowerCaseString: the key goes lower-cased
            String key = h.getKey().toLowerCase(Locale.ROOT);
            if (key.isEmpty() || !key.chars().allMatch(XdsServiceOptions::metadataKeyChar)) {
                throw p.field("key").error("'" + h.getKey() + "' is not a gRPC metadata key (0-9 a-z - _ .)");
            }
            String value = h.getValue().isEmpty() && !h.getRawValue().isEmpty()
                    ? h.getRawValue().toString(java.nio.charset.StandardCharsets.UTF_8) : h.getValue();
            if (key.endsWith("-bin")) {
                try {
                    Base64.getDecoder().decode(value);
                } catch (IllegalArgumentException e) {
                    throw p.field("value").error("a -bin key's value must be base64: " + e.getMessage());
                }
            } else if (!value.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
                throw p.field("value").error("not printable ASCII");
            }
            out.add(Map.entry(key, value));
        }
        return out;
    }

    private static boolean metadataKeyChar(int c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-' || c == '_' || c == '.';
    }

    /** The envoy_grpc retry policy's back-off, or null when it sets none (the client's default then). */
    static XdsTarget.BackOff backOff(GrpcService g, FieldPath path) {
        if (!g.hasEnvoyGrpc() || !g.getEnvoyGrpc().hasRetryPolicy()
                || !g.getEnvoyGrpc().getRetryPolicy().hasRetryBackOff()) {
            return null;
        }
        var b = g.getEnvoyGrpc().getRetryPolicy().getRetryBackOff();
        FieldPath p = path.field("envoy_grpc").field("retry_policy").field("retry_back_off");
        if (!b.hasBaseInterval()) {
            throw p.field("base_interval").error("missing required field");
        }
        Duration base = Protos.duration(b.getBaseInterval());
        if (base.compareTo(Duration.ofMillis(1)) < 0) {
            throw p.field("base_interval").error("must be at least 1ms");
        }
        Duration max = base.multipliedBy(10);
        if (b.hasMaxInterval()) {
            max = Protos.duration(b.getMaxInterval());
            if (max.isNegative() || max.isZero()) {
                throw p.field("max_interval").error("must be greater than 0s");
            }
            if (max.compareTo(base) < 0) {
                throw p.field("max_interval").error("must be greater than or equal to the base_interval");
            }
        }
        return new XdsTarget.BackOff(base.toMillis(), max.toMillis());
    }
}
