package io.remora.extensions.filters.network.thrift_proxy;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.remora.server.CompactRecvAllocator;
import io.remora.upstream.Cluster;
import io.remora.upstream.Host;
import io.remora.upstream.UpstreamConnector;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Upstream connections per worker and host (and transport/protocol), as Envoy's TCP connection
 * pools: each carries one request at a time and returns here once its response (or a oneway
 * request) is done. Each event loop has its own idle lists, touched only from that loop.
 */
final class ThriftUpstreamPool {

    private static final UpstreamConnector.ConnectOptions OPTIONS =
            new UpstreamConnector.ConnectOptions(List.of(), false, CompactRecvAllocator.SHARED);

    record Key(Host host, ThriftProxyConfig.Transport transport, ThriftProxyConfig.Protocol protocol) {
    }

    /** What a request waiting for a connection is told. */
    interface Callbacks {
        void onPoolReady(ThriftUpstreamConnection c);

        void onPoolFailure(ThriftClusterStats.Failure reason, Throwable cause);
    }

    private final UpstreamConnector connector;
    private final Map<EventLoop, Map<Key, ArrayDeque<ThriftUpstreamConnection>>> idle = new ConcurrentHashMap<>();

    ThriftUpstreamPool(UpstreamConnector connector) {
        this.connector = connector;
    }

    /** An idle connection now, or a new one once connected; failures as Envoy's pool reasons. */
    void acquire(EventLoop loop, Cluster cluster, Key key, Callbacks cb) {
        ArrayDeque<ThriftUpstreamConnection> q = idleList(loop, key);
        ThriftUpstreamConnection c;
        while ((c = q.pollFirst()) != null) {
            if (c.channel().isActive()) {
                cb.onPoolReady(c);
                return;
            }
        }
        if (!cluster.limits().tryAcquireConnection()) {
            cb.onPoolFailure(ThriftClusterStats.Failure.OVERFLOW, null);
            return;
        }
        Host h = key.host();
        h.activeConnections.incrementAndGet();
        cluster.stats().upstreamCxTotal.increment();
        ThriftUpstreamConnection conn = new ThriftUpstreamConnection(this, loop, cluster, key);
        Channel ch = connector.connect(loop, cluster, h, OPTIONS, ch0 -> ch0.pipeline().addLast("thrift_upstream", conn),
                new UpstreamConnector.Callback() {
                    @Override
                    public void onConnected(Channel channel) {
                        cluster.stats().upstreamCxActive.incrementAndGet();
                        channel.closeFuture().addListener(f -> cluster.stats().upstreamCxActive.decrementAndGet());
                        cb.onPoolReady(conn);
                    }

                    @Override
                    public void onFailure(Channel channel, Throwable cause, boolean tls) {
                        if (channel == null) {
                            released(cluster, h);
                        }
                        cluster.stats().upstreamCxConnectFail.increment();
                        boolean timeout = cause instanceof io.netty.channel.ConnectTimeoutException;
                        if (timeout) {
                            cluster.stats().upstreamCxConnectTimeout.increment();
                        }
                        cb.onPoolFailure(timeout ? ThriftClusterStats.Failure.TIMEOUT
                                : ThriftClusterStats.Failure.REMOTE_CONNECTION_FAILURE, cause);
                    }
                });
        if (ch != null) {
            conn.channel(ch);
            ch.closeFuture().addListener(f -> released(cluster, h));
        }
    }

    private static void released(Cluster cluster, Host h) {
        h.activeConnections.decrementAndGet();
        cluster.limits().connections.decrementAndGet();
    }

    /** A connection whose request is done goes back to its idle list (closed ones are dropped). */
    void release(ThriftUpstreamConnection c) {
        if (c.channel().isActive()) {
            idleList(c.loop(), c.key()).addLast(c);
        }
    }

    void remove(ThriftUpstreamConnection c) {
        Map<Key, ArrayDeque<ThriftUpstreamConnection>> m = idle.get(c.loop());
        ArrayDeque<ThriftUpstreamConnection> q = m == null ? null : m.get(c.key());
        if (q != null) {
            q.remove(c);
        }
    }

    private ArrayDeque<ThriftUpstreamConnection> idleList(EventLoop loop, Key key) {
        Map<Key, ArrayDeque<ThriftUpstreamConnection>> m = idle.get(loop);
        if (m == null) {
            m = idle.computeIfAbsent(loop, l -> new HashMap<>());
        }
        return m.computeIfAbsent(key, k -> new ArrayDeque<>());
    }
}
