package io.remora.listener;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import io.remora.accesslog.AccessLog;
import io.remora.accesslog.AccessLogs;
import io.remora.accesslog.ResponseFlag;
import io.remora.accesslog.StreamInfo;
import io.remora.config.AccessLogType;
import io.remora.network.ConnectionInfo;
import io.remora.network.FilterState;
import java.net.SocketAddress;
import java.util.concurrent.RejectedExecutionException;

/**
 * A listener's {@code access_log}, as Envoy writes it: one entry per accepted connection when it
 * ends, whether it never got past the listener filters (timeout, a refused PROXY header, the peer
 * gone), found no filter chain (flag NR, details {@code filter_chain_not_found}) or was served by
 * one. Envoy's connection StreamInfo is tcp_proxy's too, so a tcp_proxy connection is logged with
 * its session's (upstream, flags, bytes); any other gets one made at accept, kept on the channel.
 * Nothing is made for a listener without access logs.
 */
final class ListenerAccessLog {
    private static final AttributeKey<StreamInfo> INFO = AttributeKey.valueOf("remora.listenerAccessLog");
    static final String FILTER_CHAIN_NOT_FOUND = "filter_chain_not_found";

    private ListenerAccessLog() {
    }

    /** The connection was accepted by {@code rt}: its StreamInfo starts now. */
    static void accepted(Channel ch, ListenerRuntime rt, long connectionId, SocketAddress local) {
        if (rt.accessLogs().length == 0) {
            return;
        }
        StreamInfo info = new StreamInfo();
        info.describesConnection();
        info.connectionId = connectionId;
        info.downstreamRemoteAddress = ch.remoteAddress();
        info.downstreamDirectRemoteAddress = ch.remoteAddress();
        info.downstreamLocalAddress = local;
        info.listenerMetadata(rt.config().metadata());
        ch.attr(INFO).set(info);
    }

    /**
     * No filter chain matched: the entry says NR; {@code local}/{@code remote} as the match saw them,
     * with what tls_inspector found (SNI, JA3 hash; null when nothing).
     */
    static void noFilterChain(Channel ch, ListenerRuntime rt, SocketAddress local, SocketAddress remote, String sni,
                              String ja3Hash) {
        StreamInfo info = rt.accessLogs().length == 0 ? null : info(ch);
        if (info == null) {
            return;
        }
        info.downstreamLocalAddress = local;
        info.downstreamRemoteAddress = remote;
        if (sni != null || ja3Hash != null) {
            info.fromConnection(new ConnectionInfo(rt.name(), local, remote, null, sni, null, java.util.List.of(),
                    null, null, null, info.connectionId, rt.config().perConnectionBufferLimitBytes(),
                    rt.config().metadata(), ja3Hash), ch);
        }
        info.setFlag(ResponseFlag.NO_ROUTE_FOUND);
        info.responseCodeDetails = FILTER_CHAIN_NOT_FOUND;
    }

    /** A filter chain took the connection. */
    static void chainChosen(Channel ch, ListenerRuntime rt, ConnectionInfo conn) {
        StreamInfo info = rt.accessLogs().length == 0 ? null : info(ch);
        if (info == null) {
            return;
        }
        info.downstreamLocalAddress = conn.localAddress();
        info.downstreamRemoteAddress = conn.remoteAddress();
        info.fromConnection(conn, ch);
    }

    /**
     * The connection closed: its entry is written once the close has run through the pipeline,
     * so tcp_proxy's session (which ends on channelInactive, after the close listeners) is complete.
     */
    static void closed(Channel ch, ListenerRuntime rt) {
        AccessLog[] logs = rt.accessLogs();
        if (logs.length == 0 || info(ch) == null) {
            return;
        }
        try {
            ch.eventLoop().execute(() -> emit(ch, logs));
        } catch (RejectedExecutionException e) {
            emit(ch, logs); // the loop is shutting down: what is known now
        }
    }

    private static void emit(Channel ch, AccessLog[] logs) {
        StreamInfo own = ch.attr(INFO).getAndSet(null);
        if (own == null) {
            return;
        }
        FilterState state = FilterState.existing(ch);
        StreamInfo tcp = state == null ? null : state.get(FilterState.TCP_PROXY_STREAM_INFO, StreamInfo.class);
        StreamInfo info = tcp != null ? tcp : own;
        if (info == own) {
            io.remora.network.ConnectionMetadata.copyTo(ch, info);
            if (state != null) {
                info.filterState(state);
                // A network filter that closed the connection (RBAC, ext_authz) said why.
                String details = state.get(io.remora.network.ConnectionFilterCallbacks.TERMINATION_DETAILS_KEY,
                        String.class);
                if (details != null) {
                    info.connectionTerminationDetails(details);
                }
                io.remora.network.ConnectionResponseFlags.copyTo(state, info);
            }
        }
        info.finish();
        AccessLogs.emit(logs, info, AccessLogType.NOT_SET);
    }

    private static StreamInfo info(Channel ch) {
        return ch.hasAttr(INFO) ? ch.attr(INFO).get() : null;
    }
}
