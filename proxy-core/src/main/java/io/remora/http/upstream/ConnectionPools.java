package io.remora.http.upstream;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import io.remora.config.ClusterConfig.UpstreamProtocol;
import io.remora.network.OriginalSource;
import io.remora.server.Transport;
import io.remora.upstream.Cluster;
import io.remora.upstream.Host;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The pools of the calling worker, per host and protocol, as Envoy's thread-local cluster
 * manager keeps them: looked up on the event loop thread only, so no lock is needed. A pool
 * drops out of the map when it has nothing left.
 */
public final class ConnectionPools {

    /** Pools by Host (identity). */
    private static final FastThreadLocal<Map<Object, ConnectionPool[]>> POOLS = new FastThreadLocal<>() {
        @Override
        protected Map<Object, ConnectionPool[]> initialValue() {
            return new IdentityHashMap<>();
        }
    };

    /** Pools of connections with their own options (original_src, ALPN override), by host (identity) and options. */
    private static final FastThreadLocal<Map<Object, ConnectionPool[]>> SOURCED_POOLS = new FastThreadLocal<>() {
        @Override
        protected Map<Object, ConnectionPool[]> initialValue() {
            return new java.util.HashMap<>();
        }
    };

    private record OptionsKey(Host host, PoolOptions options) {
    }

    /**
     * What {@link #get} hands out when the cluster's max_connection_pools forbids another pool:
     * every stream fails as an overflow. The router answers it as Envoy does a missing pool.
     */
    public static final ConnectionPool REFUSED = new ConnectionPool() {
        @Override
        public Cancellable newStream(UpstreamCallbacks callbacks) {
            callbacks.onPoolFailure(ResetReason.OVERFLOW, null);
            return () -> { };
        }

        @Override
        public boolean isIdle() {
            return true;
        }

        @Override
        public void drainAndClose() {
        }
    };

    private ConnectionPools() {
    }

    /**
     * The pool for {@code host} on {@code loop} (the caller's own event loop).
     *
     * @param protocol HTTP1 or HTTP2 (USE_DOWNSTREAM resolved by the caller)
     */
    public static ConnectionPool get(EventLoop loop, Transport transport, Cluster cluster, Host host,
                                     UpstreamProtocol protocol) {
        return get(loop, transport, cluster, host, protocol, (PoolOptions) null);
    }

    /**
     * The pool for {@code host} on {@code loop} whose connections bind as original_src says
     * ({@code source}, from the downstream's {@code ConnectionInfo.originalSource()}): as Envoy
     * keys pools by socket options, connections are shared only among downstream connections
     * with the same source. A null source is {@link #get(EventLoop, Transport, Cluster, Host, UpstreamProtocol)}.
     */
    public static ConnectionPool get(EventLoop loop, Transport transport, Cluster cluster, Host host,
                                     UpstreamProtocol protocol, OriginalSource source) {
        return get(loop, transport, cluster, host, protocol, PoolOptions.of(source, null));
    }

    /**
     * The pool for {@code host} whose connections are made with {@code options} (original_src,
     * ALPN override); null options are the host's plain pools.
     */
    public static ConnectionPool get(EventLoop loop, Transport transport, Cluster cluster, Host host,
                                     UpstreamProtocol protocol, PoolOptions options) {
        assert loop.inEventLoop();
        if (protocol == UpstreamProtocol.AUTO) {
            // auto_config: the protocol ALPN chose for this host, once known.
            UpstreamProtocol known = AlpnProbePool.known(cluster, host);
            protocol = known != null ? known : protocol;
        }
        // HIGH requests carry options, so their pools are apart from the DEFAULT ones.
        Map<Object, ConnectionPool[]> map = options == null ? POOLS.get() : SOURCED_POOLS.get();
        Object key = options == null ? host : new OptionsKey(host, options);
        ConnectionPool[] pools = map.get(key);
        if (pools == null) {
            pools = new ConnectionPool[3];
            map.put(key, pools);
        }
        int i = protocol == UpstreamProtocol.HTTP2 ? 1 : protocol == UpstreamProtocol.AUTO ? 2 : 0;
        ConnectionPool pool = pools[i];
        if (pool == null) {
            // The ALPN probe holds no connection of its own: only the pools it hands to count.
            io.remora.upstream.ResourceLimits limits = cluster.limits().priority(PoolOptions.high(options));
            if (i != 2 && !limits.tryAcquireConnectionPool()) {
                cluster.stats().upstreamCxPoolOverflow.increment();
                if (slotsEmpty(pools) && map.get(key) == pools) {
                    map.remove(key);
                }
                return REFUSED;
            }
            ConnectionPool[] slot = pools;
            ConnectionPool[] created = new ConnectionPool[1];
            Runnable onIdle = () -> {
                if (slot[i] == created[0]) {
                    slot[i] = null;
                    if (i != 2) {
                        limits.releaseConnectionPool();
                    }
                    if (slotsEmpty(slot) && map.get(key) == slot) {
                        map.remove(key);
                    }
                }
            };
            if (i == 2) {
                pool = new AlpnProbePool(loop, transport, cluster, host, options, onIdle);
                created[0] = pool;
                pools[i] = pool;
                return pool;
            }
            PoolContext ctx = new PoolContext(loop, cluster, host, transport, onIdle, i == 1, options);
            pool = i == 1 ? new Http2ConnectionPool(ctx) : new Http1ConnectionPool(ctx);
            created[0] = pool;
            pools[i] = pool;
        }
        return pool;
    }

    private static boolean slotsEmpty(ConnectionPool[] slot) {
        return slot[0] == null && slot[1] == null && slot[2] == null;
    }

    /** How many pools the calling thread holds (tests, admin). */
    public static int poolCount() {
        int n = 0;
        for (ConnectionPool[] p : POOLS.get().values()) {
            n += (p[0] != null ? 1 : 0) + (p[1] != null ? 1 : 0);
        }
        for (ConnectionPool[] p : SOURCED_POOLS.get().values()) {
            n += (p[0] != null ? 1 : 0) + (p[1] != null ? 1 : 0);
        }
        return n;
    }

    /** Whether the calling thread holds a pool for this host. */
    static boolean holds(Host host) {
        return POOLS.get().containsKey(host);
    }
}
