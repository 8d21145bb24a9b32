package io.remora.extensions.transport_sockets.tcp_stats;

import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tcp_stats.v3.Config;
import io.remora.config.TcpStatsConfig;
import io.remora.server.Transport;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.Protos;
import io.remora.xds.translate.TranslationContext;

import java.time.Duration;

/**
 * {@code envoy.transport_sockets.tcp_stats} around a cluster's or a filter chain's transport
 * socket: its {@code update_period} and the socket it wraps ({@code transport_socket}, required),
 * which is then translated as usual. TCP_INFO comes from the epoll transport only; like Envoy on a
 * platform without TCP_INFO, a process on NIO refuses the config.
 */
public final class TcpStatsSocketTranslator {

    static final String TYPE = "envoy.extensions.transport_sockets.tcp_stats.v3.Config";

    /** The wrapped socket, where it sits, and the tcp_stats settings (null: {@code ts} is not tcp_stats). */
    public record Unwrapped(TransportSocket socket, FieldPath path, TcpStatsConfig tcpStats) {
    }

    private TcpStatsSocketTranslator() {
    }

    public static Unwrapped unwrap(TransportSocket ts, FieldPath path, TranslationContext ctx) {
        if (!ts.hasTypedConfig() || !Protos.typeName(ts.getTypedConfig()).equals(TYPE)) {
            return new Unwrapped(ts, path, null);
        }
        FieldPath tp = path.field("typed_config");
        Config c = Protos.unpack(ts.getTypedConfig(), Config.class, tp);
        if (!c.hasTransportSocket()) {
            throw tp.field("transport_socket").error("value is required");
        }
        if (Transport.detect().kind() != Transport.Kind.EPOLL) {
            throw tp.error("envoy.transport_sockets.tcp_stats needs the kernel's TCP_INFO, which only the epoll"
                    + " transport reads; this process runs on NIO" + reason());
        }
        Duration period = null;
        if (c.hasUpdatePeriod()) {
            period = Protos.duration(c.getUpdatePeriod());
            if (period.isNegative()) {
                throw tp.field("update_period").error("must not be negative");
            }
            if (period.toMillis() == 0) {
                ctx.warnOnce("tcp_stats.zero_update_period", tp.field("update_period")
                        + ": below 1ms; tcp_stats are read only when a connection closes");
                period = null;
            }
        }
        return new Unwrapped(c.getTransportSocket(), tp.field("transport_socket"), new TcpStatsConfig(period));
    }

    private static String reason() {
        String why = Transport.epollFallbackReason();
        return why == null ? " (-Dremora.transport=nio)" : " (epoll is unavailable: " + why + ")";
    }
}
