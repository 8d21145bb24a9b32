package io.remora.e2e;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DefaultDnsResponse;
import io.netty.handler.codec.dns.DnsQuery;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.handler.codec.dns.TcpDnsQueryDecoder;
import io.netty.handler.codec.dns.TcpDnsResponseEncoder;
import io.remora.server.Transport;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny authoritative DNS server for tests, on 127.0.0.1 with one ephemeral port for UDP and
 * TCP: A records (with a TTL) the test sets and changes, NXDOMAIN for other names, and a count of
 * the queries each transport carried. Held, it answers nothing until released.
 */
public final class TestDnsServer implements AutoCloseable {
    private record Answer(List<InetAddress> addresses, int ttlSeconds) {
    }

    private final EventLoopGroup group = Transport.of(Transport.Kind.NIO).newEventLoopGroup(1, "test-dns");
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private final AtomicInteger udpQueries = new AtomicInteger();
    private final AtomicInteger tcpQueries = new AtomicInteger();
    /** The replies of the queries that came while held, sent on release. */
    private final List<Runnable> heldReplies = new java.util.ArrayList<>();
    private boolean holding;
    /** Names whose queries are held, whatever {@link #holding} says. */
    private final java.util.Set<String> heldNames = new java.util.HashSet<>();
    private final Channel udp;
    private final Channel tcp;

    private TestDnsServer() throws InterruptedException {
        Channel u = null;
        Channel t = null;
        // The UDP port is ephemeral; TCP takes the same number, which another socket may hold: retry.
        for (int attempt = 0; attempt < 20 && t == null; attempt++) {
            u = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                    .handler(new ChannelInitializer<NioDatagramChannel>() {
                        @Override
                        protected void initChannel(NioDatagramChannel ch) {
                            ch.pipeline().addLast(new DatagramDnsQueryDecoder(), new DatagramDnsResponseEncoder(),
                                    new SimpleChannelInboundHandler<DatagramDnsQuery>() {
                                        @Override
                                        protected void channelRead0(ChannelHandlerContext ctx, DatagramDnsQuery q) {
                                            udpQueries.incrementAndGet();
                                            DatagramDnsResponse r = fill(q, new DatagramDnsResponse(
                                                    q.recipient(), q.sender(), q.id()));
                                            reply(q, () -> ctx.writeAndFlush(r));
                                        }
                                    });
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            int port = ((InetSocketAddress) u.localAddress()).getPort();
            try {
                t = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                        .childHandler(new ChannelInitializer<Channel>() {
                            @Override
                            protected void initChannel(Channel ch) {
                                ch.pipeline().addLast(new TcpDnsQueryDecoder(), new TcpDnsResponseEncoder(),
                                        new SimpleChannelInboundHandler<DnsQuery>() {
                                            @Override
                                            protected void channelRead0(ChannelHandlerContext ctx, DnsQuery q) {
                                                tcpQueries.incrementAndGet();
                                                DnsResponse r = fill(q, new DefaultDnsResponse(q.id()));
                                                reply(q, () -> ctx.writeAndFlush(r));
                                            }
                                        });
                            }
                        }).bind(new InetSocketAddress("127.0.0.1", port)).sync().channel();
            } catch (Exception e) {
                u.close().sync();
                u = null;
            }
        }
        if (t == null) {
            group.shutdownGracefully();
            throw new IllegalStateException("no port free for both UDP and TCP");
        }
        this.udp = u;
        this.tcp = t;
    }

    public static TestDnsServer start() throws InterruptedException {
        return new TestDnsServer();
    }

    /** From now on, {@code name} answers these IPv4 addresses with this TTL. */
    public TestDnsServer answer(String name, int ttlSeconds, String... ipv4) throws Exception {
        InetAddress[] addrs = new InetAddress[ipv4.length];
        for (int i = 0; i < ipv4.length; i++) {
            addrs[i] = InetAddress.getByName(ipv4[i]);
        }
        answers.put(key(name), new Answer(List.of(addrs), ttlSeconds));
        return this;
    }

    /** From now on, queries wait unanswered (a resolver still waiting for its first answer) until {@link #release}. */
    public synchronized TestDnsServer hold() {
        holding = true;
        return this;
    }

    /** From now on, queries for {@code name} (only) wait unanswered until {@link #release}. */
    public synchronized TestDnsServer hold(String name) {
        heldNames.add(key(name));
        return this;
    }

    /** Answers the queries held so far, and the next ones at once. */
    public synchronized void release() {
        holding = false;
        heldNames.clear();
        heldReplies.forEach(Runnable::run);
        heldReplies.clear();
    }

    private synchronized void reply(DnsQuery q, Runnable send) {
        DnsQuestion question = q.recordAt(DnsSection.QUESTION);
        if (holding || heldNames.contains(key(question.name()))) {
            heldReplies.add(send);
        } else {
            send.run();
        }
    }

    public int port() {
        return ((InetSocketAddress) udp.localAddress()).getPort();
    }

    /**
     * A cluster's {@code typed_dns_resolver_config} asking only this server (c-ares, queries given 30 s), each line
     * indented by {@code spaces}: a held name's query does not time out within a test.
     */
    public String caresResolver(int spaces) {
        String block = """
                typed_dns_resolver_config:
                  name: envoy.network.dns_resolver.cares
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.network.dns_resolver.cares.v3.CaresDnsResolverConfig
                    resolvers: [ { socket_address: { address: 127.0.0.1, port_value: %d } } ]
                    query_timeout_seconds: 30
                """.formatted(port());
        return block.indent(spaces);
    }

    /** {@link #caresResolver} as one line, a member of a YAML flow map (a dns_cache_config's). */
    public String caresResolverFlow() {
        return ("typed_dns_resolver_config: { name: envoy.network.dns_resolver.cares, typed_config: {"
                + " \"@type\": type.googleapis.com/envoy.extensions.network.dns_resolver.cares.v3.CaresDnsResolverConfig,"
                + " resolvers: [ { socket_address: { address: 127.0.0.1, port_value: %d } } ],"
                + " query_timeout_seconds: 30 } }").formatted(port());
    }

    int udpQueries() {
        return udpQueries.get();
    }

    int tcpQueries() {
        return tcpQueries.get();
    }

    private static String key(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n : n + ".";
    }

    private <R extends DnsResponse> R fill(DnsQuery q, R r) {
        DnsQuestion question = q.recordAt(DnsSection.QUESTION);
        r.setAuthoritativeAnswer(true).setRecursionAvailable(true);
        r.addRecord(DnsSection.QUESTION, new DefaultDnsQuestion(question.name(), question.type()));
        Answer a = answers.get(key(question.name()));
        if (a == null) {
            r.setCode(DnsResponseCode.NXDOMAIN);
            return r;
        }
        if (question.type() == DnsRecordType.A) {
            for (InetAddress addr : a.addresses()) {
                r.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(question.name(), DnsRecordType.A,
                        a.ttlSeconds(), Unpooled.wrappedBuffer(addr.getAddress())));
            }
        }
        return r; // other types: the name exists, without such records
    }

    @Override
    public void close() throws InterruptedException {
        udp.close().sync();
        tcp.close().sync();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
    }
}
