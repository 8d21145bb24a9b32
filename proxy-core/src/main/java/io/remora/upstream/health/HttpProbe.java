package io.remora.upstream.health;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.HeaderBlock;
import io.remora.config.HealthCheckConfig;
import io.remora.upstream.Host;

import java.io.ByteArrayOutputStream;

/**
 * {@code http_health_check} over HTTP/1.1 ({@link Http2HttpProbe} with {@code codec_client_type:
 * HTTP2}): the configured method (GET by default) on the path, with the host, headers and
 * {@code send} body; the answer is judged by {@link HttpVerdict}. The connection is kept between
 * checks ({@code reuse_connection}, default true) while the upstream keeps it alive.
 */
final class HttpProbe implements Probe {
    private final HealthChecker checker;
    private final Host host;
    private final HealthCheckConfig.Http config;
    private final HttpVerdict verdict;
    private final CheckHeaderAdditions additions;
    private Channel channel;
    private Outcome outcome;
    private HttpResponse response;
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private boolean keepAlive;

    HttpProbe(HealthChecker checker, Host host, HealthCheckConfig.Http config) {
        this.checker = checker;
        this.host = host;
        this.config = config;
        this.verdict = new HttpVerdict(config);
        this.additions = new CheckHeaderAdditions(config.requestHeadersToAdd());
    }

    @Override
    public void check(Outcome o) {
        this.response = null;
        this.body.reset();
        if (channel != null && channel.isActive()) {
            this.outcome = o;
            send(channel);
            return;
        }
        close();
        this.outcome = o;
        var f = Connector.connect(checker, host, new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new HttpClientCodec(), new Handler());
            }
        });
        channel = f.channel();
        f.addListener((ChannelFutureListener) cf -> {
            if (!cf.isSuccess()) {
                networkFailure();
            } else {
                send(cf.channel());
            }
        });
    }

    /**
     * The check's request head, either codec's: the method on the path ("/" when empty) with the host (the
     * cluster's name when empty), Envoy's user-agent, then request_headers_to_add (formatted for
     * {@code protocol}) and _to_remove; {@code :scheme} https over TLS, as Envoy's upstream scheme.
     */
    static Http2Headers requestHeaders(HealthChecker checker, Host host, HealthCheckConfig.Http config,
                                       CheckHeaderAdditions additions, String protocol, boolean tls) {
        String authority = host.healthCheckHostname() != null ? host.healthCheckHostname()
                : config.host() == null || config.host().isEmpty() ? checker.clusterName() : config.host();
        Http2Headers h = new HeaderBlock().method(config.method()).scheme(tls ? "https" : "http").authority(authority)
                .path(config.path() == null || config.path().isEmpty() ? "/" : config.path());
        h.set("user-agent", "Envoy/HC");
        if (!config.sendHex().isEmpty()) {
            h.setInt("content-length", config.sendHex().length() / 2);
        }
        additions.apply(h, host, protocol);
        for (String name : config.requestHeadersToRemove()) {
            h.remove(name.toLowerCase(java.util.Locale.ROOT));
        }
        return h;
    }

    private void send(Channel ch) {
        Http2Headers head = requestHeaders(checker, host, config, additions, "HTTP/1.1", false);
        byte[] payload = verdict.requestBody();
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(config.method()),
                head.path().toString(), payload == null ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(payload));
        req.headers().set(HttpHeaderNames.HOST, head.authority());

        for (java.util.Map.Entry<CharSequence, CharSequence> e : head) {
            if (e.getKey().length() > 0 && e.getKey().charAt(0) != ':') {
                req.headers().add(e.getKey(), e.getValue());
            }
        }
        if (!checker.config.reuseConnection()) {
            HttpUtil.setKeepAlive(req, false);
        }
        ch.writeAndFlush(req).addListener((ChannelFutureListener) wf -> {
            if (!wf.isSuccess()) {
                networkFailure();
            }
        });
    }

    private void networkFailure() {
        Outcome o = outcome;
        outcome = null;
        if (o != null) {
            o.failure(FailureType.NETWORK, false);
        }
    }

    private final class Handler extends SimpleChannelInboundHandler<HttpObject> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpResponse r) {
                response = r;
                keepAlive = HttpUtil.isKeepAlive(r);
            }
            if (msg instanceof HttpContent c) {
                long wanted = verdict.bodyBytesWanted();
                int n = c.content().readableBytes();
                if (wanted < 0 || body.size() < wanted) {
                    int take = wanted < 0 ? n : (int) Math.min(n, wanted - body.size());
                    body.writeBytes(ByteBufUtil.getBytes(c.content(), c.content().readerIndex(), take));
                }
            }
            if (msg instanceof LastHttpContent && response != null) {
                if (!keepAlive || !checker.config.reuseConnection()) {
                    ctx.close();
                    if (channel == ctx.channel()) {
                        channel = null;
                    }
                }
                Outcome o = outcome;
                outcome = null;
                if (o != null) {
                    HttpResponse r = response;
                    verdict.judge(r.status().code(), r.headers()::get, body.toByteArray(), checker, o);
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            // Only the current connection speaks for the current check.
            if (channel == ctx.channel()) {
                channel = null;
                networkFailure();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    @Override
    public void close() {
        outcome = null;
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }
}
