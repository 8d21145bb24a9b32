package io.remora.upstream;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.NoopAuthoritativeDnsServerCache;
import io.netty.resolver.dns.NoopDnsCache;
import io.netty.resolver.dns.NoopDnsCnameCache;
import io.netty.resolver.dns.SequentialDnsServerAddressStreamProvider;
import io.netty.util.NetUtil;
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
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Resolves by asking name servers, as Envoy's c-ares resolver does, so answers carry their TTLs:
 * the hosts file first (c-ares' default lookup order "files, then DNS"; such answers have no TTL),
 * then A/AAAA queries in the lookup family's order, over UDP with Netty's resolver or over TCP
 * only. Nothing is cached: each refresh asks again, as the refresh timer (or the TTL) intends.
 * Lookups are asynchronous, as c-ares': however many are under way, none holds a thread.
 */
final class NameServerResolver implements DnsResolver, AutoCloseable {
    /** A record type's addresses and the smallest TTL (seconds) among the records. */
    record Records(List<InetAddress> addresses, long ttlSeconds) {
    }

    private final HostsFile hostsFile = new HostsFile(HostsFile.DEFAULT);
    private final DnsNameResolver udp;
    private final TcpDnsExchange tcp;
    private final long awaitMillis;

    NameServerResolver(DnsResolverConfig config, EventLoopGroup group) {
        this(config, group, ResolvConfFile.read(ResolvConfFile.DEFAULT));
    }

    NameServerResolver(DnsResolverConfig config, EventLoopGroup group, ResolvConfFile system) {
        List<InetSocketAddress> servers = servers(config, system);
        List<String> search = config.noDefaultSearchDomain() ? List.of() : system.searchDomains();
        // Netty gives up on its own after its query timeout per server; this bound only guards a
        // blocking caller against a resolver that never completes.
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

    /** Blocks on {@link #lookup}, for callers that may block (none of the proxy's own: they use {@link #lookup}). */
    @Override
    public DnsAnswer resolve(String name, DnsLookupFamily family) throws UnknownHostException {
        CompletableFuture<DnsAnswer> f = lookup(name, family, Runnable::run);
        try {
            return f.get(awaitMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(false);
            throw new UnknownHostException(name + ": no answer in " + awaitMillis + " ms");
        } catch (InterruptedException e) {
            f.cancel(false);
            Thread.currentThread().interrupt();
            throw new UnknownHostException(name + ": interrupted");
        } catch (ExecutionException e) {
            throw unknown(name, e.getCause());
        }
    }

    /**
     * The hosts file's answer at once, else the queries of the lookup family, no thread waiting
     * for them: answers complete the future on the resolver's event loop. Cancelling it cancels
     * the queries under way.
     */
    @Override
    public CompletableFuture<DnsAnswer> lookup(String name, DnsLookupFamily family, Executor blocking) {
        InetAddress literal = literal(name, family);
        if (literal != null) {
            return CompletableFuture.completedFuture(new DnsAnswer(List.of(literal), null));
        }
        List<InetAddress> hosts = hostsFile.addresses(name);
        if (!hosts.isEmpty()) {
            List<InetAddress> kept = DnsRefresher.filter(hosts.toArray(InetAddress[]::new), family);
            if (!kept.isEmpty()) {
                return CompletableFuture.completedFuture(new DnsAnswer(kept, null));
            }
        }
        Queries q = new Queries(name);
        DnsLookupFamily f = family == null ? DnsLookupFamily.AUTO : family;
        CompletableFuture<DnsAnswer> answer = switch (f) {
            case V4_ONLY -> q.start(DnsRecordType.A).thenApply(NameServerResolver::answer);
            case V6_ONLY -> q.start(DnsRecordType.AAAA).thenApply(NameServerResolver::answer);
            // c-ares: the preferred family, the other one only when that gave no address
            case AUTO -> q.firstWithAddresses(DnsRecordType.AAAA, DnsRecordType.A);
            case V4_PREFERRED -> q.firstWithAddresses(DnsRecordType.A, DnsRecordType.AAAA);
            case ALL -> q.both();
        };
        CompletableFuture<DnsAnswer> out = new CompletableFuture<>();
        answer.whenComplete((a, e) -> {
            if (e == null) {
                out.complete(a);
            } else {
                out.completeExceptionally(unknown(name, e));
            }
        });
        out.whenComplete((a, e) -> {
            if (out.isCancelled()) {
                q.cancel();
            }
        });
        return out;
    }

    /**
     * An address written as the name is its own answer, no query made (c-ares' fake_addrinfo, ahead
     * of the hosts file): a dotted IPv4 address for any family, as c-ares tries it for IPv6 lookups
     * too, an IPv6 one unless only IPv4 is asked for. Otherwise null.
     */
    static InetAddress literal(String name, DnsLookupFamily family) {
        byte[] bytes = NetUtil.isValidIpV4Address(name) ? NetUtil.createByteArrayFromIpAddressString(name)
                : family != DnsLookupFamily.V4_ONLY && NetUtil.isValidIpV6Address(name)
                ? NetUtil.createByteArrayFromIpAddressString(name) : null;
        if (bytes == null) {
            return null;
        }
        try {
            return InetAddress.getByAddress(name, bytes);
        } catch (UnknownHostException e) {
            return null; // not reached: the bytes are four or sixteen
        }
    }

    /** One lookup's queries, so that cancelling the lookup cancels the one under way. */
    private final class Queries {
        private final String name;
        private final List<CompletableFuture<Records>> started = new ArrayList<>();
        private boolean cancelled;

        Queries(String name) {
            this.name = name;
        }

        synchronized CompletableFuture<Records> start(DnsRecordType type) {
            if (cancelled) {
                return CompletableFuture.failedFuture(new CancellationException());
            }
            CompletableFuture<Records> f = query(name, type);
            started.add(f);
            return f;
        }

        void cancel() {
            List<CompletableFuture<Records>> all;
            synchronized (this) {
                cancelled = true;
                all = List.copyOf(started);
            }
            all.forEach(f -> f.cancel(false));
        }

        CompletableFuture<DnsAnswer> firstWithAddresses(DnsRecordType first, DnsRecordType second) {
            return start(first).handle((r, e) -> r != null && !r.addresses().isEmpty() ? r : null)
                    .thenCompose(r -> r != null ? CompletableFuture.completedFuture(r) : start(second))
                    .thenApply(NameServerResolver::answer);
        }

        /** A and AAAA at once, as c-ares' ALL; a failure only when neither gave an address. */
        CompletableFuture<DnsAnswer> both() {
            CompletableFuture<Records> a = start(DnsRecordType.A);
            CompletableFuture<Records> aaaa = start(DnsRecordType.AAAA);
            return a.handle(Outcome::new).thenCombine(aaaa.handle(Outcome::new), (v4, v6) -> {
                List<InetAddress> all = new ArrayList<>();
                long ttl = Long.MAX_VALUE;
                for (Outcome o : List.of(v4, v6)) {
                    if (o.records() != null && !o.records().addresses().isEmpty()) {
                        all.addAll(o.records().addresses());
                        ttl = Math.min(ttl, o.records().ttlSeconds());
                    }
                }
                if (all.isEmpty() && (v4.failure() != null || v6.failure() != null)) {
                    throw new CompletionException(v6.failure() != null ? v6.failure() : v4.failure());
                }
                return answer(new Records(all, all.isEmpty() ? 0 : ttl));
            });
        }
    }

    private record Outcome(Records records, Throwable failure) {
    }

    private static DnsAnswer answer(Records r) {
        return new DnsAnswer(r.addresses(), Duration.ofSeconds(r.ttlSeconds()));
    }

    private CompletableFuture<Records> query(String name, DnsRecordType type) {
        if (tcp != null) {
            return tcp.query(name, type);
        }
        CompletableFuture<Records> out = new CompletableFuture<>();
        Future<List<DnsRecord>> f = udp.resolveAll(new DefaultDnsQuestion(name, type));
        f.addListener(done -> {
            if (!f.isSuccess()) {
                out.completeExceptionally(unknown(name, f.cause()));
                return;
            }
            List<DnsRecord> records = f.getNow();
            try {
                out.complete(records(records, type));
            } catch (UnknownHostException | RuntimeException e) {
                out.completeExceptionally(e);
            } finally {
                records.forEach(ReferenceCountUtil::release);
            }
        });
        out.whenComplete((r, e) -> {
            if (out.isCancelled()) {
                f.cancel(false);
            }
        });
        return out;
    }

    private static Records records(List<DnsRecord> records, DnsRecordType type) throws UnknownHostException {
        List<InetAddress> out = new ArrayList<>();
        long ttl = Long.MAX_VALUE;
        for (DnsRecord rec : records) {
            if (rec.type() == type && rec instanceof DnsRawRecord raw) {
                out.add(address(rec.name(), raw));
                ttl = Math.min(ttl, rec.timeToLive());
            }
        }
        return new Records(out, out.isEmpty() ? 0 : ttl);
    }

    /** A lookup's failure as an UnknownHostException, unwrapped from the futures' wrappers. */
    static UnknownHostException unknown(String name, Throwable cause) {
        Throwable c = cause;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof UnknownHostException u) {
            return u;
        }
        UnknownHostException e = new UnknownHostException(name + ": " + c);
        e.initCause(c);
        return e;
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
