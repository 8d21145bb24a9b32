package io.remora.xds.translate;

import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.KeepaliveSettings;
import io.remora.config.Http2Options;

import java.time.Duration;

/**
 * {@code config.core.v3.Http2ProtocolOptions} to {@link Http2Options}, for the HTTP connection
 * manager's {@code http2_protocol_options} and a cluster's (the deprecated cluster field, or the
 * typed {@code HttpProtocolOptions}' explicit, downstream-protocol and auto configs).
 */
final class Http2OptionsTranslator {

    private static final Duration ONE_MS = Duration.ofMillis(1);
    private static final Duration IDLE_MIN = Duration.ofMillis(100);
    /** interval_jitter when unset, in percent (Envoy's default). */
    private static final double DEFAULT_JITTER = 15.0;

    private Http2OptionsTranslator() {
    }

    static Http2Options translate(Http2ProtocolOptions o, FieldPath path) {
        Http2Options d = Http2Options.DEFAULT;
        return new Http2Options(
                Protos.uint(o.hasMaxConcurrentStreams(), o.getMaxConcurrentStreams(), d.maxConcurrentStreams()),
                Protos.uint(o.hasInitialStreamWindowSize(), o.getInitialStreamWindowSize(), d.initialStreamWindowSize()),
                Protos.uint(o.hasInitialConnectionWindowSize(), o.getInitialConnectionWindowSize(),
                        d.initialConnectionWindowSize()),
                o.getAllowConnect(),
                o.hasConnectionKeepalive() ? keepalive(o.getConnectionKeepalive(), path.field("connection_keepalive"))
                        : null);
    }

    /**
     * KeepaliveSettings with the proto's rules: timeout required and at least 1 ms; interval 0
     * (or unset: no interval PINGs) or at least 1 ms; interval_jitter a percentage (default 15);
     * connection_idle_interval 0 (or unset: off) or at least 100 ms.
     */
    static Http2Options.Keepalive keepalive(KeepaliveSettings k, FieldPath path) {
        if (!k.hasTimeout()) {
            throw path.field("timeout").error("is required");
        }
        Duration timeout = Protos.duration(k.getTimeout());
        if (timeout.compareTo(ONE_MS) < 0) {
            throw path.field("timeout").error("must be at least 1ms");
        }
        Duration interval = Protos.duration(k.hasInterval(), k.getInterval(), Duration.ZERO);
        if (interval.isNegative() || (!interval.isZero() && interval.compareTo(ONE_MS) < 0)) {
            throw path.field("interval").error("must be 0 or at least 1ms");
        }
        double jitter = k.hasIntervalJitter() ? k.getIntervalJitter().getValue() : DEFAULT_JITTER;
        if (!(jitter >= 0 && jitter <= 100)) {
            throw path.field("interval_jitter").field("value").error("must be between 0 and 100");
        }
        Duration idle = Protos.duration(k.hasConnectionIdleInterval(), k.getConnectionIdleInterval(), Duration.ZERO);
        if (idle.isNegative() || (!idle.isZero() && idle.compareTo(IDLE_MIN) < 0)) {
            throw path.field("connection_idle_interval").error("must be 0 or at least 100ms");
        }
        return new Http2Options.Keepalive(interval.toMillis(), timeout.toMillis(), jitter, idle.toMillis());
    }
}
