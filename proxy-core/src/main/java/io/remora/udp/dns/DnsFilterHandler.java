package io.remora.udp.dns;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;

import java.net.InetAddress;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The DNS filter on one listener socket, as Envoy's DnsFilter::onData: every datagram is answered,
 * a malformed one with FORMERR ({@code downstream_rx_invalid_queries}). A query for a known domain,
 * or any query when the filter does not forward, is answered from the clusters and the table; one
 * they do not answer goes to the external resolver when there is a client config, else gets
 * NXDOMAIN ({@code unanswered_queries}). Runs on the socket's event loop.
 */
final class DnsFilterHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = io.remora.log.Logging.logger("filter");

    private final DnsFilter filter;
    private final DnsFilterStats stats;
    private final DnsLocalResolver local;
    private final boolean forward;
    private DnsExternalLookups external;
    private ChannelHandlerContext ctx;

    DnsFilterHandler(DnsFilter filter) {
        this.filter = filter;
        this.stats = filter.stats;
        this.local = new DnsLocalResolver(filter.table, filter.clusters, filter.stats);
        this.forward = filter.config.client() != null;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (forward) {
            external = new DnsExternalLookups(filter.config.client(), filter.clusters, ctx.channel().eventLoop(),
                    this::externalAnswer);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket p)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            ByteBuf data = p.content();
            if (data.readableBytes() > filter.maxRxDatagramSize) {
                filter.datagramsDropped.increment();
                return;
            }
            stats.downstreamRxBytes.record(data.readableBytes());
            stats.downstreamRxQueries.increment();
            DnsQuery q = DnsMessageParser.parse(data, stats);
            q.peer = p.sender();
            q.receivedNanos = System.nanoTime();
            if (!q.parsed) {
                stats.downstreamRxInvalidQueries.increment();
                send(q);
                return;
            }
            stats.query(q.type);
            respond(q);
        } catch (RuntimeException e) {
            // The parser takes any bytes; this guards the socket against a bug, not a peer.
            stats.downstreamRxErrors.increment();
            LOG.log(Level.FINE, "dns_filter: query from " + p.sender() + " failed", e);
        } finally {
            p.release();
        }
    }

    private void respond(DnsQuery q) {
        boolean known = filter.table.known(q.name);
        if (known) {
            stats.knownDomainQueries.increment();
        }
        if ((known || !forward) && local.resolve(q)) {
            if (q.answers.isEmpty()) {
                stats.unansweredQueries.increment();
            }
            send(q);
        } else if (forward) {
            q.retriesLeft = filter.config.externalRetryCount();
            external.resolve(q);
        } else {
            stats.unansweredQueries.increment();
            send(q);
        }
    }

    private void externalAnswer(DnsQuery q, List<InetAddress> found) {
        stats.externallyResolvedQueries.increment();
        if (found.isEmpty()) {
            stats.unansweredQueries.increment();
        }
        stats.externalQuery(q.type);
        long ttl = filter.table.ttlSeconds(q.name);
        for (InetAddress a : found) {
            stats.externalAnswer(q.type);
            if (DnsLocalResolver.fits(q.type, a)) {
                q.answer(DnsRecord.address(q.name, ttl, a));
            }
        }
        send(q);
    }

    private void send(DnsQuery q) {
        ByteBuf out = DnsResponseWriter.write(q, forward, ctx.alloc());
        stats.downstreamTxResponses.increment();
        stats.downstreamTxBytes.record(out.readableBytes());
        if (q.parsed) {
            stats.downstreamRxQueryLatency.record((System.nanoTime() - q.receivedNanos) / 1_000_000.0);
        }
        ctx.writeAndFlush(new DatagramPacket(out, q.peer), ctx.voidPromise());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        stats.downstreamRxErrors.increment();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (external != null) {
            external.close();
        }
        ctx.fireChannelInactive();
    }
}
