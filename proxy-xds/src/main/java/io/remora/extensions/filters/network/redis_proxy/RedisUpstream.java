package io.remora.extensions.filters.network.redis_proxy;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.EventLoop;
import io.remora.config.Address;
import io.remora.config.ClusterLoadAssignment;
import io.remora.redis.RespValue;
import io.remora.upstream.Cluster;
import io.remora.upstream.ClusterManager;
import io.remora.upstream.DnsCache;
import io.remora.upstream.DnsCacheEntry;
import io.remora.upstream.Host;
import io.remora.upstream.LoadBalancerContext;
import io.remora.upstream.UpstreamConnector;
import io.remora.upstream.lb.MurmurHash2;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The connection pool of one cluster a redis proxy routes to (Envoy's {@code ConnPool::InstanceImpl}):
 * per worker event loop, one pipelined connection per host. The host is the cluster's pick for
 * the key's hash (MurmurHash2 of the key, or of its {@code {hashtag}} with enable_hashtagging),
 * so RING_HASH and MAGLEV clusters shard keys as Envoy's do. With enable_redirection, MOVED and
 * ASK replies are followed to the host they name, creating at most max_upstream_unknown_connections
 * hosts the cluster does not know.
 */
final class RedisUpstream {
    private final String clusterName;
    private final ClusterManager clusters;
    private final UpstreamConnector connector;
    private final RedisProxyConfig.Settings settings;
    private final MeterRegistry registry;
    private final Map<EventLoop, Worker> workers = new ConcurrentHashMap<>();
    private final Map<Cluster, RedisClusterStats> stats = new ConcurrentHashMap<>();
    /** settings' dns_cache_config: every redirection's host is looked up there first, as Envoy's. */
    private final DnsCache dnsCache;
    /** The port a redirection's host gets when it names none (a MOVED or ASK always names one). */
    private static final int REDIS_PORT = 6379;

    RedisUpstream(String clusterName, ClusterManager clusters, UpstreamConnector connector,
                  RedisProxyConfig.Settings settings, MeterRegistry registry) {
        this.clusterName = clusterName;
        this.clusters = clusters;
        this.connector = connector;
        this.settings = settings;
        this.registry = registry;
        this.dnsCache = settings.dnsCache() == null || clusters == null ? null : clusters.dnsCache(settings.dnsCache());
    }

    /** A request in flight, cancellable. */
    interface Handle {
        void cancel();
    }

    /**
     * Sends {@code request}, routed by {@code key}, on {@code loop}'s connections; null when the
     * cluster does not exist or has no host for it (the caller answers "no upstream host").
     */
    Handle request(EventLoop loop, byte[] key, RespValue request, String command, RedisClient.Callbacks callbacks) {
        Cluster root = clusters.get(clusterName);
        if (root == null) {
            return null;
        }
        LoadBalancerContext lb = new KeyHash(hash(key, settings.enableHashtagging()));
        Cluster cluster = root.pickCluster(lb);
        Host host = cluster == null ? null : cluster.chooseHost(lb);
        if (host == null) {
            return null;
        }
        Worker w = workers.computeIfAbsent(loop, l -> new Worker(l));
        Request r = new Request(w, request, command, callbacks, cluster);
        RedisClient client = w.client(cluster, host);
        r.current = client.makeRequest(request, r, command);
        return r.current == null ? null : r;
    }

    /** Envoy's {@code MurmurHash::murmurHash2} of the key, or of what is between its first { and the next }. */
    static long hash(byte[] key, boolean hashtag) {
        int from = 0;
        int to = key.length;
        if (hashtag) {
            int open = indexOf(key, (byte) '{', 0);
            int close = open < 0 ? -1 : indexOf(key, (byte) '}', open + 1);
            if (close > open + 1) {
                from = open + 1;
                to = close;
            }
        }
        return MurmurHash2.hash(from == 0 && to == key.length ? key : java.util.Arrays.copyOfRange(key, from, to),
                MurmurHash2.STD_HASH_SEED);
    }

    private static int indexOf(byte[] b, byte c, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }

    private record KeyHash(long hash) implements LoadBalancerContext {
        @Override
        public OptionalLong computeHashKey() {
            return OptionalLong.of(hash);
        }
    }

    private RedisClusterStats stats(Cluster c) {
        return stats.computeIfAbsent(c, x -> new RedisClusterStats(registry, x.stats()));
    }

    /** One request, followed through redirections. */
    private final class Request implements Handle, RedisClient.Callbacks {
        private final Worker worker;
        private final RespValue request;
        private final String command;
        private final RedisClient.Callbacks callbacks;
        private final Cluster cluster;
        RedisClient.Pending current;
        /** Cancelled while its redirection's host was being looked up. */
        private boolean canceled;

        Request(Worker worker, RespValue request, String command, RedisClient.Callbacks callbacks, Cluster cluster) {
            this.worker = worker;
            this.request = request;
            this.command = command;
            this.callbacks = callbacks;
            this.cluster = cluster;
        }

        @Override
        public void cancel() {
            canceled = true;
            if (current != null) {
                current.cancel();
                current = null;
            }
        }

        @Override
        public void onResponse(RespValue reply) {
            current = null;
            callbacks.onResponse(reply);
        }

        @Override
        public void onFailure() {
            current = null;
            callbacks.onFailure();
        }

        @Override
        public boolean onRedirection(RespValue reply, String hostAddress, boolean ask) {
            if (dnsCache == null) {
                return redirect(worker.clientFor(cluster, hostAddress), ask);
            }
            // As Envoy's: with a cache, every redirection's host goes through it, IP literals too; a
            // host it cannot resolve (or a full cache) leaves the MOVED/ASK error as the reply.
            String key = DnsCache.key(hostAddress, REDIS_PORT);
            return switch (dnsCache.load(key, e -> worker.loop.execute(() -> resolved(reply, e, ask)))) {
                case IN_CACHE -> redirect(worker.clientFor(cluster, dnsCache.entry(key).address()), ask);
                case LOADING -> true;
                case OVERFLOW -> false;
            };
        }

        private void resolved(RespValue reply, DnsCacheEntry entry, boolean ask) {
            if (!canceled && !redirect(worker.clientFor(cluster, entry.address()), ask)) {
                onResponse(reply);
            }
        }

        private boolean redirect(RedisClient client, boolean ask) {
            if (client == null || ask && client.makeRequest(RespValue.command("ASKING"), RedisClient.IGNORE, null) == null) {
                return false;
            }
            current = client.makeRequest(request, this, command);
            return current != null;
        }
    }

    /** One event loop's connections; touched on that loop only. */
    final class Worker {
        private final EventLoop loop;
        private final Map<Host, RedisClient> clients = new IdentityHashMap<>();
        /** Hosts made for redirections to addresses the cluster does not have, by "ip:port". */
        private final Map<String, Host> unknown = new HashMap<>();

        Worker(EventLoop loop) {
            this.loop = loop;
        }

        RedisClient client(Cluster cluster, Host host) {
            RedisClient c = clients.get(host);
            if (c == null) {
                sweep();
                c = new RedisClient(this, cluster, host, stats(cluster), loop, settings);
                clients.put(host, c);
                c.connect(connector);
            }
            return c;
        }

        /** The connection to a redirection's {@code ip:port}; null when it cannot be had. */
        RedisClient clientFor(Cluster cluster, String address) {
            int colon = address.lastIndexOf(':');
            if (colon <= 0 || colon == address.length() - 1) {
                return null;
            }
            String ip = address.substring(0, colon);
            int port;
            try {
                port = Integer.parseInt(address.substring(colon + 1));
            } catch (NumberFormatException e) {
                return null;
            }
            if (port < 0 || port > 65535 || !io.netty.util.NetUtil.isValidIpV4Address(ip)
                    && !io.netty.util.NetUtil.isValidIpV6Address(ip)) {
                return null;
            }
            return clientFor(cluster, new InetSocketAddress(ip, port));
        }

        /** The connection to a redirection's resolved address; null when there is none or it cannot be had. */
        RedisClient clientFor(Cluster cluster, InetSocketAddress target) {
            if (target == null) {
                return null;
            }
            String ip = target.getAddress().getHostAddress();
            int port = target.getPort();
            String address = ip + ":" + port;
            for (Host h : cluster.hosts()) {
                if (target.equals(h.address())) {
                    return client(cluster, h);
                }
            }
            Host h = unknown.get(address);
            if (h == null) {
                if (unknown.size() >= settings.maxUpstreamUnknownConnections()) {
                    stats(cluster).maxUpstreamUnknownConnectionsReached.increment();
                    return null;
                }
                h = new Host(new Address.Tcp(ip, port, false), target, "",
                        new ClusterLoadAssignment.Locality("", "", ""), 1, ClusterLoadAssignment.HealthStatus.UNKNOWN);
                unknown.put(address, h);
            }
            return client(cluster, h);
        }

        void remove(RedisClient c) {
            clients.remove(c.host, c);
        }

        /** Closes idle connections to hosts their cluster no longer has (Envoy drains them on removal). */
        private void sweep() {
            List<RedisClient> gone = new ArrayList<>();
            for (RedisClient c : clients.values()) {
                if (c.idle() && !unknown.containsValue(c.host) && !c.cluster().hosts().contains(c.host)) {
                    gone.add(c);
                }
            }
            gone.forEach(RedisClient::close);
        }
    }
}
