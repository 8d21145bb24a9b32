package io.remora.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.dns.DefaultDnsQuery;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DnsOpCode;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.handler.codec.dns.TcpDnsQueryEncoder;
import io.netty.handler.codec.dns.TcpDnsResponseDecoder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Queries over TCP only (c-ares' {@code ARES_FLAG_USEVC}, Envoy's use_tcp_for_dns_lookups), which
 * Netty's resolver cannot do: it uses TCP only after a truncated UDP answer. One connection per
 * query; servers are tried in order, names along the search list as resolv.conf(5) describes.
 */
final class TcpDnsExchange {
    private final EventLoopGroup group;
    private final List<InetSocketAddress> servers;
    private final List<String> searchDomains;
    private final int ndots;
    private final Duration timeout;

    TcpDnsExchange(EventLoopGroup group, List<InetSocketAddress> servers, List<String> searchDomains, int ndots,
                   Duration timeout) {
        this.group = group;
        this.servers = List.copyOf(servers);
        this.searchDomains = List.copyOf(searchDomains);
        this.ndots = ndots;
        this.timeout = timeout;
    }

    /** The addresses of one record type, with the smallest TTL of the records that led to them. */
    NameServerResolver.Records query(String name, DnsRecordType type) throws UnknownHostException {
        UnknownHostException last = null;
        for (String candidate : candidates(name)) {
            for (InetSocketAddress server : servers) {
                DnsResponse r;
                try {
                    r = exchange(server, candidate, type);
                } catch (Exception e) {
                    last = unknown(name, server + ": " + e, e);
                    continue; // the next server
                }
                try {
                    DnsResponseCode code = r.code();
                    if (code == DnsResponseCode.NOERROR) {
                        NameServerResolver.Records records = addresses(r, type);
                        if (!records.addresses().isEmpty()) {
                            return records;
                        }
                        last = unknown(name, "no " + type.name() + " records", null);
                        break; // the name exists without such records: the next candidate
                    }
                    last = unknown(name, code.toString(), null);
                    if (code == DnsResponseCode.NXDOMAIN) {
                        break;
                    }
                } finally {
                    r.release();
                }
            }
        }
        throw last != null ? last : unknown(name, "no name servers", null);
    }

    private List<String> candidates(String name) {
        if (name.endsWith(".") || searchDomains.isEmpty()) {
            return List.of(name);
        }
        int dots = (int) name.chars().filter(c -> c == '.').count();
        List<String> out = new ArrayList<>();
        if (dots >= ndots) {
            out.add(name);
        }
        for (String d : searchDomains) {
            out.add(name + "." + d);
        }
        if (dots < ndots) {
            out.add(name);
        }
        return out;
    }

    private DnsResponse exchange(InetSocketAddress server, String name, DnsRecordType type) throws Exception {
        CompletableFuture<DnsResponse> answer = new CompletableFuture<>();
        int id = ThreadLocalRandom.current().nextInt(1 << 16);
        Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeout.toMillis())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new TcpDnsQueryEncoder(), new TcpDnsResponseDecoder(),
                                new SimpleChannelInboundHandler<DnsResponse>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, DnsResponse msg) {
                                        if (msg.id() == id && answer.complete(msg.retain())) {
                                            return;
                                        }
                                        ctx.close();
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                        answer.completeExceptionally(cause);
                                        ctx.close();
                                    }

                                    @Override
                                    public void channelInactive(ChannelHandlerContext ctx) {
                                        answer.completeExceptionally(new java.io.IOException("connection closed"));
                                    }
                                });
                    }
                });
        Channel ch = b.connect(server).sync().channel();
        DnsResponse got = null;
        try {
            ch.writeAndFlush(new DefaultDnsQuery(id, DnsOpCode.QUERY).setRecursionDesired(true)
                    .setRecord(DnsSection.QUESTION, new DefaultDnsQuestion(name, type))).sync();
            got = answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return got;
        } finally {
            ch.close();
            if (got == null) {
                // An answer that raced the timeout is not used: give its buffers back.
                answer.thenAccept(DnsResponse::release);
            }
        }
    }

    /** The answer section's records of the type; their TTLs and those of the CNAMEs before them. */
    private static NameServerResolver.Records addresses(DnsResponse r, DnsRecordType type) throws UnknownHostException {
        List<InetAddress> out = new ArrayList<>();
        long minTtl = Long.MAX_VALUE;
        for (int i = 0; i < r.count(DnsSection.ANSWER); i++) {
            DnsRecord rec = r.recordAt(DnsSection.ANSWER, i);
            if (rec.type() == DnsRecordType.CNAME) {
                minTtl = Math.min(minTtl, rec.timeToLive());
            } else if (rec.type() == type && rec instanceof DnsRawRecord raw) {
                out.add(NameServerResolver.address(rec.name(), raw));
                minTtl = Math.min(minTtl, rec.timeToLive());
            }
        }
        return new NameServerResolver.Records(out, out.isEmpty() ? 0 : minTtl);
    }

    private static UnknownHostException unknown(String name, String why, Throwable cause) {
        UnknownHostException e = new UnknownHostException(name + ": " + why);
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }
}
