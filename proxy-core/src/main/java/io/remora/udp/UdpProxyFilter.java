package io.remora.udp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.remora.upstream.Cluster;
import io.remora.upstream.Host;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;

/**
 * The udp_proxy on one listener socket, as Envoy's UdpProxyFilter: a datagram from a peer without a
 * session is routed (cluster or matcher), a host picked and a session opened (the cluster's
 * max_connections bounds the sessions); a session whose host went unhealthy moves to a healthy one.
 * With per-packet load balancing every datagram picks a host and peers have a session per host.
 * Everything here runs on the socket's event loop.
 */
public final class UdpProxyFilter extends ChannelInboundHandlerAdapter {
    private final UdpProxy proxy;
    private final UdpMatchingData matching = new UdpMatchingData();
    private final UdpLbContext lb;
    private final Map<InetSocketAddress, UdpSession> sessions = new HashMap<>();
    private final Map<InetSocketAddress, Map<Host, UdpSession>> perHost = new HashMap<>();
    private ChannelHandlerContext ctx;

    UdpProxyFilter(UdpProxy proxy) {
        this.proxy = proxy;
        this.lb = new UdpLbContext(proxy.config.hashSourceIp(), proxy.config.hashKey());
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket p)) {
            io.netty.util.ReferenceCountUtil.release(msg);
            return;
        }
        ByteBuf data = p.content();
        if (data.readableBytes() > proxy.maxRxDatagramSize) {
            proxy.datagramsDropped.increment();
            p.release();
            return;
        }
        UdpSession s = proxy.config.perPacketLoadBalancing() ? perPacketSession(p) : stickySession(p);
        if (s == null) {
            p.release();
            return;
        }
        s.toUpstream(data);
    }

    private UdpSession stickySession(DatagramPacket p) {
        InetSocketAddress peer = p.sender();
        UdpSession s = sessions.get(peer);
        if (s != null && s.cluster != proxy.clusters.get(s.clusterName)) {
            // The cluster was removed or replaced: its sessions end, as Envoy's do.
            s.close();
            s = null;
        }
        if (s != null) {
            if (!s.host.isHealthy()) {
                Host h = s.cluster.chooseHost(lb.forPeer(peer));
                if (h != null && h.isHealthy() && h != s.host) {
                    s.close();
                    s = open(peer, s.clusterName, s.cluster, h);
                }
            }
            return s;
        }
        String name = route(p);
        Cluster cluster = name == null ? null : proxy.clusters.get(name);
        if (cluster == null) {
            proxy.stats.downstreamSessNoRoute.increment();
            return null;
        }
        return open(peer, name, cluster, null);
    }

    private UdpSession perPacketSession(DatagramPacket p) {
        InetSocketAddress peer = p.sender();
        String name = route(p);
        Cluster cluster = name == null ? null : proxy.clusters.get(name);
        if (cluster == null) {
            proxy.stats.downstreamSessNoRoute.increment();
            return null;
        }
        Host h = cluster.chooseHost(lb.forPeer(peer));
        if (h == null) {
            cluster.stats().upstreamCxNoneHealthy.increment();
            return null;
        }
        Map<Host, UdpSession> byHost = perHost.get(peer);
        UdpSession s = byHost == null ? null : byHost.get(h);
        if (s != null && s.cluster != cluster) {
            s.close();
            s = null;
        }
        return s != null ? s : open(peer, name, cluster, h);
    }

    private String route(DatagramPacket p) {
        String fixed = proxy.config.cluster();
        return fixed != null ? fixed
                : proxy.matcher.match(matching.at((InetSocketAddress) ctx.channel().localAddress(), p.sender()));
    }

    /** A new session, or null (counted) when the circuit breaker or the lack of a healthy host refuses it. */
    private UdpSession open(InetSocketAddress peer, String clusterName, Cluster cluster, Host host) {
        if (!cluster.limits().tryAcquireConnection()) {
            proxy.statsRegistry.udpCluster(cluster.stats().name()).upstreamCxOverflow.increment();
            return null;
        }
        Host h = host != null ? host : cluster.chooseHost(lb.forPeer(peer));
        if (h == null) {
            cluster.limits().connections.decrementAndGet();
            cluster.stats().upstreamCxNoneHealthy.increment();
            return null;
        }
        UdpSession s = new UdpSession(proxy, this, ctx.channel(), peer, clusterName, cluster, h);
        if (proxy.config.perPacketLoadBalancing()) {
            perHost.computeIfAbsent(peer, k -> new HashMap<>(4)).put(h, s);
        } else {
            sessions.put(peer, s);
        }
        s.start();
        return s;
    }

    /** Called by a session as it ends. */
    void removed(UdpSession s) {
        if (proxy.config.perPacketLoadBalancing()) {
            Map<Host, UdpSession> byHost = perHost.get(s.peer);
            if (byHost != null && byHost.remove(s.host, s) && byHost.isEmpty()) {
                perHost.remove(s.peer);
            }
        } else {
            sessions.remove(s.peer, s);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        proxy.stats.downstreamSessRxErrors.increment();
    }

    /** The socket closed (listener removed, changed or the server stopping): its sessions end with it. */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        ArrayList<UdpSession> all = new ArrayList<>(sessions.values());
        perHost.values().forEach(m -> all.addAll(m.values()));
        all.forEach(UdpSession::close);
        if (proxy.proxyLogs.length > 0) {
            UdpAccessLogs.proxy(proxy.proxyLogs, ctx.channel().localAddress(), proxy.stats);
        }
        ctx.fireChannelInactive();
    }
}
