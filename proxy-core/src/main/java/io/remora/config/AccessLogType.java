package io.remora.config;

/**
 * Envoy's {@code data.accesslog.v3.AccessLogType}: the event an access log entry is written for.
 * A connection manager writes one entry per stream at its end, and with
 * {@code access_log_options} also at its start, periodically and when its tunnel is established;
 * tcp_proxy at the connection's end, and optionally when the upstream connects and periodically.
 */
public enum AccessLogType {
    NOT_SET("NotSet"),
    TCP_UPSTREAM_CONNECTED("TcpUpstreamConnected"),
    TCP_PERIODIC("TcpPeriodic"),
    TCP_CONNECTION_END("TcpConnectionEnd"),
    DOWNSTREAM_START("DownstreamStart"),
    DOWNSTREAM_PERIODIC("DownstreamPeriodic"),
    DOWNSTREAM_END("DownstreamEnd"),
    UPSTREAM_POOL_READY("UpstreamPoolReady"),
    UPSTREAM_PERIODIC("UpstreamPeriodic"),
    UPSTREAM_END("UpstreamEnd"),
    DOWNSTREAM_TUNNEL_SUCCESSFULLY_ESTABLISHED("DownstreamTunnelSuccessfullyEstablished"),
    UDP_TUNNEL_UPSTREAM_CONNECTED("UdpTunnelUpstreamConnected"),
    UDP_PERIODIC("UdpPeriodic"),
    UDP_SESSION_END("UdpSessionEnd");

    /** The name Envoy's config and {@code %ACCESS_LOG_TYPE%} use. */
    public final String envoyName;

    AccessLogType(String envoyName) {
        this.envoyName = envoyName;
    }
}
