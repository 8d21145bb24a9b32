package io.remora.upstream.health;

import io.remora.config.HealthCheckConfig;

import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;

/**
 * An HTTP check's answer judged as Envoy's HTTP health checker does, for either codec: the
 * {@code receive} blocks first (a mismatch fails at once), then the status (expected, else
 * retriable or failed), {@code x-envoy-degraded}, and last {@code service_name_matcher} against
 * {@code x-envoy-upstream-healthchecked-cluster} (unless the runtime's {@code health_check.verify_cluster}
 * percentage skips it).
 */
final class HttpVerdict {
    private final HealthCheckConfig.Http config;
    private final List<byte[]> receive;
    private final byte[] send;

    HttpVerdict(HealthCheckConfig.Http config) {
        this.config = config;
        HexFormat hex = HexFormat.of();
        this.receive = config.receiveHex().stream().map(hex::parseHex).toList();
        this.send = config.sendHex().isEmpty() ? null : hex.parseHex(config.sendHex());
    }

    /** The request body, or null when the check sends none. */
    byte[] requestBody() {
        return send;
    }

    /** How many body bytes to keep for {@link #judge}: none when nothing is looked for; -1 for all. */
    long bodyBytesWanted() {
        if (receive.isEmpty()) {
            return 0;
        }
        return config.responseBufferSize() == 0 ? -1 : config.responseBufferSize();
    }

    void judge(int status, Function<String, CharSequence> header, byte[] body, HealthChecker checker,
               Probe.Outcome o) {
        // Envoy's HTTP checker: a failing answer (body or status) with the immediate-fail header
        // excludes the host, as a passive failure would.
        boolean immediateFail = header.apply("x-envoy-immediate-health-check-fail") != null;
        if (!receive.isEmpty() && !TcpProbe.matches(body, receive)) {
            if (immediateFail) {
                o.excludeViaImmediateFail();
            }
            o.failure(Probe.FailureType.ACTIVE, false);
            return;
        }
        if (!config.expected(status)) {
            if (immediateFail) {
                o.excludeViaImmediateFail();
            }
            o.failure(Probe.FailureType.ACTIVE, config.retriable(status));
            return;
        }
        boolean degraded = header.apply("x-envoy-degraded") != null;
        if (config.serviceNameMatcher() != null
                && checker.runtime.layeredRuntime().featureEnabled("health_check.verify_cluster", 100)) {
            checker.stats.verifyCluster.increment();
            CharSequence cluster = header.apply("x-envoy-upstream-healthchecked-cluster");
            if (!config.serviceNameMatcher().matches(cluster == null ? "" : cluster.toString())) {
                o.failure(Probe.FailureType.ACTIVE, false);
                return;
            }
        }
        o.success(degraded);
    }
}
