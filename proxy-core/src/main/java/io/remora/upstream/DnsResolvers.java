package io.remora.upstream;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.remora.config.ClusterConfig;
import io.remora.config.DnsResolverConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Picks each DNS cluster's resolver as Envoy does: the cluster's own resolver config, else the
 * bootstrap's, else Envoy's default, c-ares with no options: /etc/hosts, then the name servers
 * of /etc/resolv.conf, asked asynchronously. A dynamic forward proxy cache without a resolver
 * config (its own or the bootstrap's) still gets the system resolver (getaddrinfo). Equal configs
 * share one resolver; resolvers live until the cluster manager closes (there are few distinct
 * configs): name-server ones on one event loop thread of their own, getaddrinfo ones each on its
 * fixed number of threads.
 */
final class DnsResolvers implements AutoCloseable {
    /** getaddrinfo; or a test's stand-in, which then also replaces the default resolver. */
    private final DnsResolver system;
    private final boolean standIn;
    private final Map<DnsResolverConfig, DnsResolver> byConfig = new HashMap<>();
    private DnsResolverConfig bootstrap;
    private EventLoopGroup group;
    private boolean closed;

    /** @param standIn null: the platform's resolvers; else what answers every SYSTEM and default lookup */
    DnsResolvers(DnsResolver standIn) {
        this.system = standIn != null ? standIn : DnsResolver.SYSTEM;
        this.standIn = standIn != null;
    }

    /** The bootstrap's resolver config, for clusters without their own; null: none. */
    synchronized void bootstrap(DnsResolverConfig config) {
        this.bootstrap = config;
    }

    synchronized DnsResolver forCluster(ClusterConfig c) {
        return resolver(c.dnsResolver(), !standIn || c.respectDnsTtl());
    }

    /** A dynamic forward proxy cache's resolver: its own, else the bootstrap's (TTLs wanted, as Envoy's caches use them). */
    synchronized DnsResolver forCache(DnsResolverConfig own) {
        return resolver(own, false);
    }

    /** @param caresDefault without any config: c-ares' default rather than the system resolver */
    private DnsResolver resolver(DnsResolverConfig own, boolean caresDefault) {
        DnsResolverConfig config = own != null ? own : bootstrap;
        if (closed || (config == null && !caresDefault)) {
            return system; // the caches' blocking resolver (or a test's stand-in) on their lookup threads
        }
        if (config == null) {
            config = DnsResolverConfig.RESOLV_CONF;
        }
        return byConfig.computeIfAbsent(config, k -> k.kind() == DnsResolverConfig.Kind.SYSTEM
                ? new GetAddrInfoResolver(system, k.numRetries(), k.resolverThreads())
                : new NameServerResolver(k, group()));
    }

    private EventLoopGroup group() {
        if (group == null) {
            group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("remora-dns-io", true),
                    NioIoHandler.newFactory());
        }
        return group;
    }

    @Override
    public synchronized void close() {
        closed = true;
        for (DnsResolver r : byConfig.values()) {
            if (r instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    // closing a resolver only stops its threads and sockets
                }
            }
        }
        byConfig.clear();
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
