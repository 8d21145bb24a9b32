package io.remora.upstream;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.resolver.DefaultHostsFileEntriesResolver;
import io.netty.resolver.ResolvedAddressTypes;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.NoopAuthoritativeDnsServerCache;
import io.netty.resolver.dns.NoopDnsCache;
import io.netty.resolver.dns.NoopDnsCnameCache;
import io.netty.resolver.dns.SequentialDnsServerAddressStreamProvider;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.remora.config.ClusterConfig.DnsLookupFamily;
import io.remora.config.DnsResolverConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Resolves by asking name servers, as Envoy's c-ares resolver does, so answers carry their TTLs:
 * the hosts file first (c-ares' default lookup order "files, then DNS"; such answers have no TTL),
 * then A/AAAA queries in the lookup family's order, over UDP with Netty's resolver or over TCP
 * only. Nothing is cached: each refresh asks again, as the refresh timer (or the TTL) intends.
 */
final class NameServerResolver implements DnsResolver, AutoCloseable {
    /** A record type's addresses and the smallest TTL (seconds) among the records. */
    record Records(List<InetAddress> addresses, long ttlSeconds) {
    }

    private final DefaultHostsFileEntriesResolver hostsFile = new DefaultHostsFileEntriesResolver();
    private final DnsNameResolver udp;
    private final TcpDnsExchange tcp;
    private final long awaitMillis;

    NameServerResolver(DnsResolverConfig config, EventLoopGroup group) {
        this(config, group, ResolvConfFile.read(ResolvConfFile.DEFAULT));
    }

    NameServerResolver(DnsResolverConfig config, EventLoopGroup group, ResolvConfFile system) {
        List<InetSocketAddress> servers = servers(config, system);
        List<String> search = config.noDefaultSearchDomain() ? List.of() : system.searchDomains();
        // Netty gives up on its own after its query timeout per server; this bound only guards the
        // DNS thread against a resolver that never completes.
        this.awaitMillis = config.queryTimeout().toMillis() * (servers.size() + 1) * Math.max(1, search.size() + 1)
                + 1_000;
        if (config.useTcp()) {
            this.udp = null;
            this.tcp = new TcpDnsExchange(group, servers, search, system.ndots(), config.queryTimeout());
        } else {
            this.tcp = null;
            this.udp = new DnsNameResolverBuilder(group.next())
                    .datagramChannelType(NioDatagramChannel.class)
                    // a truncated UDP answer is asked again over TCP, as c-ares does
                    .socketChannelType(NioSocketChannel.class)
                    .nameServerProvider(new SequentialDnsServerAddressStreamProvider(servers))
                    .searchDomains(search).ndots(system.ndots())
                    .queryTimeoutMillis(config.queryTimeout().toMillis())
                    .resolveCache(NoopDnsCache.INSTANCE).cnameCache(NoopDnsCnameCache.INSTANCE)
                    .authoritativeDnsServerCache(NoopAuthoritativeDnsServerCache.INSTANCE)
                    // the hosts file is read here, before any query, so its answers carry no TTL
                    .hostsFileEntriesResolver((name, types) -> null)
                    .build();
        }
    }

    /**
     * The configured servers, or resolv.conf's; with c-ares' use_resolvers_as_fallback the
     * configured ones only when resolv.conf names none. None at all: c-ares' 127.0.0.1:53.
     */
    static List<InetSocketAddress> servers(DnsResolverConfig config, ResolvConfFile system) {
        List<InetSocketAddress> configured = config.nameServers().stream()
                .map(a -> a.getPort() == 0 ? new InetSocketAddress(a.getAddress(), 53) : a).toList();
        List<InetSocketAddress> chosen = configured.isEmpty()
                || (config.nameServersAsFallback() && !system.nameServers().isEmpty())
                ? system.nameServers() : configured;
        return chosen.isEmpty() ? List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 53)) : chosen;
    }

    @Override
    public InetAddress[] resolve(String name) throws UnknownHostException {
        return resolve(name, DnsLookupFamily.ALL).addresses().toArray(InetAddress[]::new);
    }

    @Override
    public DnsAnswer resolve(String name, DnsLookupFamily family) throws UnknownHostException {
        List<InetAddress> hosts = hostsFile.addresses(name, ResolvedAddressTypes.IPV4_PREFERRED);
        if (hosts != null && !hosts.isEmpty()) {
            List<InetAddress> kept = DnsRefresher.filter(hosts.toArray(InetAddress[]::new), family);
            if (!kept.isEmpty()) {
                return new DnsAnswer(kept, null);
            }
        }
        DnsLookupFamily f = family == null ? DnsLookupFamily.AUTO : family;
        return switch (f) {
            case V4_ONLY -> answer(query(name, DnsRecordType.A));
            case V6_ONLY -> answer(query(name, DnsRecordType.AAAA));
            // c-ares: the preferred family, the other one only when that gave no address
            case AUTO -> firstWithAddresses(name, DnsRecordType.AAAA, DnsRecordType.A);
            case V4_PREFERRED -> firstWithAddresses(name, DnsRecordType.A, DnsRecordType.AAAA);
            case ALL -> both(name);
        };
    }

    private DnsAnswer firstWithAddresses(String name, DnsRecordType first, DnsRecordType second)
            throws UnknownHostException {
        try {
            Records r = query(name, first);
            if (!r.addresses().isEmpty()) {
                return answer(r);
            }
        } catch (UnknownHostException e) {
            // the other family may still answer
        }
        return answer(query(name, second));
    }

    private DnsAnswer both(String name) throws UnknownHostException {
        List<InetAddress> all = new ArrayList<>();
        long ttl = Long.MAX_VALUE;
        UnknownHostException failure = null;
        for (DnsRecordType t : List.of(DnsRecordType.A, DnsRecordType.AAAA)) {
            try {
                Records r = query(name, t);
                all.addAll(r.addresses());
                if (!r.addresses().isEmpty()) {
                    ttl = Math.min(ttl, r.ttlSeconds());
                }
            } catch (UnknownHostException e) {
                failure = e;
            }
        }
        if (all.isEmpty() && failure != null) {
            throw failure;
        }
        return answer(new Records(all, all.isEmpty() ? 0 : ttl));
    }

    private static DnsAnswer answer(Records r) {
        return new DnsAnswer(r.addresses(), Duration.ofSeconds(r.ttlSeconds()));
    }

    private Records query(String name, DnsRecordType type) throws UnknownHostException {
        if (tcp != null) {
            return tcp.query(name, type);
        }
        Future<List<DnsRecord>> f = udp.resolveAll(new DefaultDnsQuestion(name, type));
        if (!f.awaitUninterruptibly(awaitMillis)) {
            f.cancel(false);
            throw new UnknownHostException(name + ": no answer in " + awaitMillis + " ms");
        }
        if (!f.isSuccess()) {
            UnknownHostException e = new UnknownHostException(name + ": " + f.cause());
            e.initCause(f.cause());
            throw e;
        }
        List<DnsRecord> records = f.getNow();
        try {
            List<InetAddress> out = new ArrayList<>();
            long ttl = Long.MAX_VALUE;
            for (DnsRecord rec : records) {
                if (rec.type() == type && rec instanceof DnsRawRecord raw) {
                    out.add(address(rec.name(), raw));
                    ttl = Math.min(ttl, rec.timeToLive());
                }
            }
            return new Records(out, out.isEmpty() ? 0 : ttl);
        } finally {
            records.forEach(ReferenceCountUtil::release);
        }
    }

    /** An A or AAAA record's address. */
    static InetAddress address(String name, DnsRawRecord raw) throws UnknownHostException {
        byte[] bytes = new byte[raw.content().readableBytes()];
        raw.content().getBytes(raw.content().readerIndex(), bytes);
        String host = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        return InetAddress.getByAddress(host, bytes);
    }

    @Override
    public void close() {
        if (udp != null) {
            udp.close();
        }
    }
}
