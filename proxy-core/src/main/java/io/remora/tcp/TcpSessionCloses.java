package io.remora.tcp;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.DuplexChannel;
import io.remora.accesslog.ConnectionCloses;
import io.remora.accesslog.StreamInfo;

/**
 * How a {@link TcpProxySession}'s two connections end (Envoy's tcp_proxy onDownstreamEvent and
 * onUpstreamEvent): a FIN passed on after the last write, the close once both directions have
 * ended, the upstream closed for the downstream's close and the reverse, a peer's reset passed on
 * as a reset (Envoy 1.38: AbortReset of the other side when one side's close was a RemoteReset),
 * and the kind of each close for the access log. Apart from the session, which relays the bytes;
 * static so that a session is still one handler object.
 */
final class TcpSessionCloses {
    private TcpSessionCloses() {
    }

    /**
     * Passes a FIN on once everything queued before it is written: Netty's shutdownOutput
     * fails whatever is still in the outbound buffer, so it must wait for the last write.
     */
    static void shutdownOutput(Channel ch) {
        ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (ch instanceof DuplexChannel d && ch.isActive()) {
                d.shutdownOutput();
            } else {
                ch.close();
            }
        });
    }

    static void closeIfBothDone(TcpProxySession s) {
        if (s.downstreamEof && s.upstreamEof) {
            if (s.upstream != null) {
                // Both sent their FIN: the upstream's end is its own close, as Envoy sees it (RemoteClose);
                // recorded first, as the downstream's close (and the access log) may follow at once.
                s.streamInfo.upstreamClosed(ConnectionCloses.Type.NORMAL, null);
            }
            flushThenClose(s.downstream);
            if (s.upstream != null) {
                s.upstream.closeAfterFlush();
            }
        }
    }

    private static void flushThenClose(Channel ch) {
        if (ch.isActive()) {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            ch.close();
        }
    }

    static void downstreamClosed(TcpProxySession s) {
        s.filter.stats.downstreamCxActive.decrementAndGet();
        if (!s.upstreamReady) {
            cancelConnect(s);
        }
        s.streamInfo.downstreamClosed(ConnectionCloses.Type.NORMAL, null);
        if (s.upstreamReady && s.upstream != null && !s.streamInfo.upstreamCloseRecorded()) {
            recordUpstreamClosedForDownstream(s);
        }
        if (s.relay != null) {
            // Off Netty's loop while spliced: what sits in the pipes goes with the connection.
            s.relay.stop();
            if (s.upstream instanceof ChannelUpstream c && s.downstreamReset) {
                abort(c.channel());
            } else if (s.upstream != null) {
                s.upstream.close();
            }
        } else if (s.upstream instanceof ChannelUpstream c && s.downstreamReset) {
            abort(c.channel());
        } else if (s.upstream instanceof ChannelUpstream c && c.channel().isActive()) {
            // Let what is queued reach the upstream, then close.
            c.closeAfterFlush();
        } else if (s.upstream instanceof HttpTunnelUpstream t) {
            if (s.upstreamReady && s.downstreamEof) {
                t.shutdownOutput();
            } else {
                t.close();
            }
            if (s.connectionCounted) {
                upstreamClosed(s);
            }
        }
        TcpSessionLifetime.finish(s);
    }

    /**
     * The client left before the upstream was up: as Envoy's tcp_proxy, the pool's pending stream
     * is cancelled and the connection being opened for it closed (CancelPolicy::CloseExcess), so the
     * upstream gets no connection whose client is already gone.
     */
    private static void cancelConnect(TcpProxySession s) {
        TcpPoolCounts.cancelled(s);
        if (s.upstream instanceof ChannelUpstream c && c.channel() != null) {
            c.channel().close();
        }
    }

    /**
     * Envoy's tcp_proxy closes the upstream for the downstream's close, and says which kind of close
     * it was; a client's reset resets the upstream connection (LocalReset), a FIN flushes it.
     */
    private static void recordUpstreamClosedForDownstream(TcpProxySession s) {
        StreamInfo info = s.streamInfo;
        if (s.downstreamReset) {
            info.upstreamClosed(s.upstream instanceof ChannelUpstream ? ConnectionCloses.Type.LOCAL_RESET
                    : ConnectionCloses.Type.NORMAL, ConnectionCloses.UPSTREAM_FOR_DOWNSTREAM_RESET_CLOSE);
            return;
        }
        String reason = info.downstreamLocalCloseReason() != null ? ConnectionCloses.UPSTREAM_FOR_DOWNSTREAM_LOCAL_CLOSE
                : ConnectionCloses.UPSTREAM_FOR_DOWNSTREAM_REMOTE_CLOSE;
        info.upstreamClosed(ConnectionCloses.Type.NORMAL, reason);
    }

    /**
     * Envoy's AbortReset: SO_LINGER 0, so the close sends a RST and drops what is still unsent. A
     * channel without the option (an internal listener's) just closes.
     */
    static void abort(Channel ch) {
        if (ch.isOpen()) {
            ch.config().setOption(ChannelOption.SO_LINGER, 0);
            ch.close();
        }
    }

    /** The upstream connection closed, or the tunnel's stream ended or was reset. */
    static void upstreamClosed(TcpProxySession s) {
        s.streamInfo.upstreamClosed(ConnectionCloses.Type.NORMAL, null);
        s.connectionCounted = false; // the connection's own counts are the pool's (TcpPoolCounts)
        if (s.upstreamReset && s.downstream.isOpen() && !s.switching) {
            if (s.relay != null) {
                s.relay.stop();
            }
            s.streamInfo.downstreamClosed(ConnectionCloses.Type.LOCAL_RESET, null);
            abort(s.downstream);
        } else if (s.relay != null) {
            s.relay.stop();
            s.downstream.close();
        } else if (s.downstream.isActive() && !s.switching) {
            s.downstream.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
