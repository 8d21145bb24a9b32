package io.remora.udp;

import io.remora.accesslog.AccessLog;
import io.remora.accesslog.StreamInfo;
import io.remora.stats.UdpProxyStats;

import java.net.SocketAddress;

/**
 * udp_proxy's access logs as Envoy writes them: {@code access_log} once per session as it ends,
 * its counts in the dynamic metadata {@code udp.proxy.session}; {@code proxy_access_log} once per
 * listener socket as it closes, the proxy's totals in {@code udp.proxy.proxy}.
 */
final class UdpAccessLogs {
    private static final String SESSION = "udp.proxy.session";
    private static final String PROXY = "udp.proxy.proxy";

    private UdpAccessLogs() {
    }

    /** Per-session counts, kept only when the session is logged. */
    static final class Counts {
        long bytesSent;
        long bytesReceived;
        long errorsSent;
        long datagramsSent;
        long datagramsReceived;
    }

    static void session(AccessLog[] logs, SocketAddress local, UdpSession s, Counts c) {
        StreamInfo info = new StreamInfo();
        info.newConnectionStreamId(); // the session's, logged once when it ends
        info.downstreamLocalAddress = local;
        info.downstreamRemoteAddress = s.peer;
        info.downstreamDirectRemoteAddress = s.peer;
        info.upstreamCluster(s.clusterName, s.cluster == null ? null : s.cluster.config());
        info.upstreamHost = s.host.address();
        info.bytesReceived = c.bytesReceived;
        info.bytesSent = c.bytesSent;
        info.durationNanos = System.nanoTime() - info.startNanos;
        info.setDynamicMetadata(SESSION, "cluster_name", s.clusterName);
        info.setDynamicMetadata(SESSION, "bytes_sent", c.bytesSent);
        info.setDynamicMetadata(SESSION, "bytes_received", c.bytesReceived);
        info.setDynamicMetadata(SESSION, "errors_sent", c.errorsSent);
        info.setDynamicMetadata(SESSION, "datagrams_sent", c.datagramsSent);
        info.setDynamicMetadata(SESSION, "datagrams_received", c.datagramsReceived);
        write(logs, info);
    }

    static void proxy(AccessLog[] logs, SocketAddress local, UdpProxyStats st) {
        StreamInfo info = new StreamInfo();
        info.downstreamLocalAddress = local;
        info.setDynamicMetadata(PROXY, "bytes_sent", (long) st.downstreamSessTxBytes.count());
        info.setDynamicMetadata(PROXY, "bytes_received", (long) st.downstreamSessRxBytes.count());
        info.setDynamicMetadata(PROXY, "errors_sent", (long) st.downstreamSessTxErrors.count());
        info.setDynamicMetadata(PROXY, "errors_received", (long) st.downstreamSessRxErrors.count());
        info.setDynamicMetadata(PROXY, "datagrams_sent", (long) st.downstreamSessTxDatagrams.count());
        info.setDynamicMetadata(PROXY, "datagrams_received", (long) st.downstreamSessRxDatagrams.count());
        info.setDynamicMetadata(PROXY, "no_route", (long) st.downstreamSessNoRoute.count());
        info.setDynamicMetadata(PROXY, "session_total", (long) st.downstreamSessTotal.count());
        info.setDynamicMetadata(PROXY, "idle_timeout", (long) st.idleTimeout.count());
        write(logs, info);
    }

    private static void write(AccessLog[] logs, StreamInfo info) {
        for (AccessLog l : logs) {
            l.log(info);
        }
    }
}
