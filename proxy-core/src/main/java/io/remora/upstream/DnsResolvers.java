package io.remora.upstream;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.remora.config.ClusterConfig;
import io.remora.config.DnsCacheConfig;
import io.remora.config.DnsResolverConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Picks each DNS cluster's and dynamic forward proxy cache's resolver as Envoy does. A cluster:
 * its own resolver config, else the bootstrap's, else Envoy's default, c-ares with no options
 * (/etc/hosts, then the name servers of /etc/resolv.conf, asked asynchronously). A cache
 * (DnsCacheImpl::selectDnsResolver): its own typed or dns_resolution config, else the bootstrap's
 * typed_dns_resolver_config only, else c-ares, over TCP with its legacy use_tcp_for_dns_lookups.
 * Equal configs share one resolver; resolvers live until the cluster manager closes (there are
 * few distinct configs): name-server ones on one event loop thread of their own, getaddrinfo ones
 * each on its fixed number of threads.
 */
final class DnsResolvers implements AutoCloseable {
    /** getaddrinfo; or a test's stand-in, which then also replaces the default resolver. */
    private final DnsResolver system;
    private final boolean standIn;
    private final Map<DnsResolverConfig, DnsResolver> byConfig = new HashMap<>();
    private DnsResolverConfig bootstrap;
    private DnsResolverConfig bootstrapTyped;
    private EventLoopGroup group;
    private boolean closed;

    /** @param standIn null: the platform's resolvers; else what answers every getaddrinfo and default lookup */
    DnsResolvers(DnsResolver standIn) {
        this.system = standIn != null ? standIn : DnsResolver.SYSTEM;
        this.standIn = standIn != null;
    }

    /**
     * The bootstrap's resolver config, for clusters without their own, and its
     * typed_dns_resolver_config alone, for caches without their own; null: none.
     */
    synchronized void bootstrap(DnsResolverConfig config, DnsResolverConfig typed) {
        this.bootstrap = config;
        this.bootstrapTyped = typed;
    }

    synchronized DnsResolver forCluster(ClusterConfig c) {
        DnsResolverConfig config = c.dnsResolver() != null ? c.dnsResolver() : bootstrap;
        if (config == null) {
            // A stand-in replaces the default too, unless the test wants TTLs (which it cannot give).
            if (standIn && !c.respectDnsTtl()) {
                return system;
            }
            config = DnsResolverConfig.RESOLV_CONF;
        }
        return resolver(config);
    }

    /** A dynamic forward proxy cache's resolver. */
    synchronized DnsResolver forCache(DnsCacheConfig c) {
        DnsResolverConfig config = c.resolver() != null ? c.resolver() : bootstrapTyped;
        if (config == null) {
            if (c.useTcpForDnsLookups()) {
                config = DnsResolverConfig.builder().useTcp(true).build();
            } else if (standIn) {
                return system;
            } else {
                config = DnsResolverConfig.RESOLV_CONF;
            }
        }
        return resolver(config);
    }

    /** The resolver of a config (the DNS filter's, which always has one). */
    synchronized DnsResolver forConfig(DnsResolverConfig config) {
        return resolver(config);
    }

    private DnsResolver resolver(DnsResolverConfig config) {
        if (closed) {
            return system;
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
