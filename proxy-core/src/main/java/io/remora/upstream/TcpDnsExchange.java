package io.remora.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
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
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Queries over TCP only (c-ares' {@code ARES_FLAG_USEVC}, Envoy's use_tcp_for_dns_lookups), which
 * Netty's resolver cannot do: it uses TCP only after a truncated UDP answer. One connection per
 * query; servers are tried in order, names along the search list as resolv.conf(5) describes;
 * nothing blocks: each step runs when the previous one's answer arrives.
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

    /**
     * The addresses of one record type, with the smallest TTL of the records that led to them.
     * Each exchange's answer starts the next one on the event loop; cancelling the future closes
     * the connection under way.
     */
    CompletableFuture<NameServerResolver.Records> query(String name, DnsRecordType type) {
        CompletableFuture<NameServerResolver.Records> out = new CompletableFuture<>();
        next(name, type, candidates(name), 0, 0, null, out);
        return out;
    }

    /** Asks {@code servers[server]} about {@code candidates[candidate]}, or ends when none is left. */
    private void next(String name, DnsRecordType type, List<String> candidates, int candidate, int server,
                      UnknownHostException last, CompletableFuture<NameServerResolver.Records> out) {
        if (out.isDone()) {
            return; // cancelled
        }
        if (candidate >= candidates.size() || servers.isEmpty()) {
            out.completeExceptionally(last != null ? last : unknown(name, "no name servers", null));
            return;
        }
        if (server >= servers.size()) {
            next(name, type, candidates, candidate + 1, 0, last, out);
            return;
        }
        InetSocketAddress to = servers.get(server);
        exchange(to, candidates.get(candidate), type, out).whenComplete((r, failure) -> {
            if (failure == null && out.isDone()) {
                r.release(); // the lookup was cancelled meanwhile
                return;
            }
            if (failure != null) {
                next(name, type, candidates, candidate, server + 1, unknown(name, to + ": " + failure, failure), out);
                return;
            }
            try {
                DnsResponseCode code = r.code();
                if (code == DnsResponseCode.NOERROR) {
                    NameServerResolver.Records records = addresses(r, type);
                    if (!records.addresses().isEmpty()) {
                        out.complete(records);
                        return;
                    }
                    // the name exists without such records: the next candidate
                    next(name, type, candidates, candidate + 1, 0, unknown(name, "no " + type.name() + " records", null),
                            out);
                } else if (code == DnsResponseCode.NXDOMAIN) {
                    next(name, type, candidates, candidate + 1, 0, unknown(name, code.toString(), null), out);
                } else {
                    next(name, type, candidates, candidate, server + 1, unknown(name, code.toString(), null), out);
                }
            } catch (UnknownHostException | RuntimeException e) {
                out.completeExceptionally(e);
            } finally {
                r.release();
            }
        });
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

    /** One query on a connection of its own; the answer, retained, or the failure or timeout. */
    private CompletableFuture<DnsResponse> exchange(InetSocketAddress server, String name, DnsRecordType type,
                                                    CompletableFuture<?> lookup) {
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
                                        if (msg.id() == id && !answer.complete(msg.retain())) {
                                            msg.release(); // too late: timed out or cancelled
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
        ChannelFuture connect = b.connect(server);
        Channel ch = connect.channel();
        connect.addListener(c -> {
            if (!c.isSuccess()) {
                answer.completeExceptionally(c.cause());
                return;
            }
            ch.writeAndFlush(new DefaultDnsQuery(id, DnsOpCode.QUERY).setRecursionDesired(true)
                    .setRecord(DnsSection.QUESTION, new DefaultDnsQuestion(name, type)))
                    .addListener(w -> {
                        if (!w.isSuccess()) {
                            answer.completeExceptionally(w.cause());
                        }
                    });
        });
        ScheduledFuture<?> timer = ch.eventLoop().schedule(() -> {
            answer.completeExceptionally(new TimeoutException("no answer in " + timeout.toMillis() + " ms"));
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        lookup.whenComplete((r, e) -> {
            if (lookup.isCancelled()) {
                answer.cancel(false);
            }
        });
        answer.whenComplete((r, e) -> {
            timer.cancel(false);
            ch.close();
        });
        return answer;
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
