package io.remora.tcp;

import io.netty.buffer.ByteBuf;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * How a tcp_proxy session's bytes move once its upstream is up: the kernel's splice
 * ({@link SpliceRelay}) when both sides allow it, else the session's own copying, with what was
 * read before the upstream connected replayed first. Static over the session's fields: no object
 * per connection.
 */
final class TcpRelayStart {
    private static final Logger LOG = io.remora.log.Logging.logger("filter");

    private TcpRelayStart() {
    }

    /** The upstream is up and counted ({@link TcpUpstreamAttempts#connected}): the kernel's relay or the session's. */
    static void start(TcpProxySession s, TcpUpstream u) {
        s.upstreamReady = true;
        TcpSessionLifetime.upstreamConnected(s);
        if (u instanceof ChannelUpstream c) {
            c.channel().closeFuture().addListener(f -> TcpSessionCloses.upstreamClosed(s));
            String why = s.pending != null ? "bytes already read" : s.downstreamEof ? "downstream already ended"
                    : SpliceEligibility.ineligible(s.downstream, c.channel(), s, c);
            if (why == null) {
                startSplice(s, c);
                return;
            }
            if (LOG.isLoggable(Level.FINE)) {
                LOG.fine(io.remora.log.LogTags.conn(s.streamInfo.connectionId) + "tcp_proxy copies (no splice): "
                        + why);
            }
        }
        startCopying(s, u);
    }

    private static void startSplice(TcpProxySession s, ChannelUpstream c) {
        s.switching = true;
        SpliceRelay.start(s, s.downstream, c.channel(), () -> !s.missedWhileSwitching, r -> {
            s.switching = false;
            if (r != null) {
                s.relay = r;
                if (LOG.isLoggable(Level.FINE)) {
                    LOG.fine(io.remora.log.LogTags.conn(s.streamInfo.connectionId) + "tcp_proxy splices");
                }
                return;
            }
            if (LOG.isLoggable(Level.FINE)) {
                LOG.fine(io.remora.log.LogTags.conn(s.streamInfo.connectionId) + "tcp_proxy copies (no splice): "
                        + (s.missedWhileSwitching ? "bytes or an EOF arrived while switching"
                        : "splice did not start"));
            }
            if (!s.downstream.isActive() || !c.channel().isActive()) {
                s.downstream.close();
                c.close();
                return;
            }
            startCopying(s, c);
        });
    }

    /** The bytes pass through the session's handler: what waited goes first, then reads start. */
    private static void startCopying(TcpProxySession s, TcpUpstream u) {
        if (s.pending != null) {
            ByteBuf b;
            while ((b = s.pending.poll()) != null) {
                s.clusterStats.upstreamCxTxBytesTotal.increment(b.readableBytes());
                s.meter(false, b.readableBytes(), true);
                u.write(b);
            }
            u.flush();
            s.pending = null;
        }
        s.downstream.flush(); // what the upstream sent while switching
        if (s.downstreamEof) {
            u.shutdownOutput();
        }
        if (s.upstreamEof) {
            TcpSessionCloses.shutdownOutput(s.downstream);
            TcpSessionCloses.closeIfBothDone(s);
        }
        // A downstream that already sent its FIN has nothing more to read; turning reads back on
        // for it would fail (Netty closes a channel whose input is shut down when it begins a read).
        s.downstream.config().setAutoRead(u.isWritable() && !s.downstreamEof);
        u.readEnabled(s.downstream.isWritable() && !s.upstreamEof);
    }
}
