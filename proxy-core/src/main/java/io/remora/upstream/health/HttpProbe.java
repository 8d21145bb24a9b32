package io.remora.upstream.health;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.HeaderMutation;
import io.remora.http.HeaderBlock;
import io.remora.config.HealthCheckConfig;
import io.remora.upstream.Host;

/**
 * {@code http_health_check} over HTTP/1.1 ({@link Http2HttpProbe} with {@code codec_client_type:
 * HTTP2}): GET the path with the configured host and headers; a
 * status in {@code expected_statuses} passes ({@code x-envoy-degraded} marks the host degraded),
 * one in {@code retriable_statuses} counts towards the unhealthy threshold, any other fails at
 * once. The connection is kept between checks ({@code reuse_connection}, default true) while
 * the upstream keeps it alive.
 */
final class HttpProbe implements Probe {
    private final HealthChecker checker;
    private final Host host;
    private final HealthCheckConfig.Http config;
    private Channel channel;
    private Outcome outcome;
    private int status;
    private boolean degraded;
    private boolean keepAlive;

    HttpProbe(HealthChecker checker, Host host, HealthCheckConfig.Http config) {
        this.checker = checker;
        this.host = host;
        this.config = config;
    }

    @Override
    public void check(Outcome o) {
        this.status = 0;
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
                report(false, FailureType.NETWORK);
            } else {
                send(cf.channel());
            }
        });
    }

    /**
     * The check's request head, either codec's: GET the path ("/" when empty) with the host (the
     * cluster's name when empty), Envoy's user-agent, then request_headers_to_add/_to_remove.
     */
    static Http2Headers requestHeaders(HealthChecker checker, HealthCheckConfig.Http config) {
        String authority = config.host() == null || config.host().isEmpty() ? checker.clusterName() : config.host();
        Http2Headers h = new HeaderBlock().method("GET").scheme("http").authority(authority)
                .path(config.path() == null || config.path().isEmpty() ? "/" : config.path());
        h.set("user-agent", "Envoy/HC");
        for (HeaderMutation.HeaderValueOption o : config.requestHeadersToAdd()) {
            String name = o.key().toLowerCase(java.util.Locale.ROOT);
            switch (o.action()) {
                case APPEND_IF_EXISTS_OR_ADD -> h.add(name, o.value());
                case ADD_IF_ABSENT -> {
                    if (!h.contains(name)) {
                        h.add(name, o.value());
                    }
                }
                case OVERWRITE_IF_EXISTS -> {
                    if (h.contains(name)) {
                        h.set(name, o.value());
                    }
                }
                default -> h.set(name, o.value());
            }
        }
        for (String name : config.requestHeadersToRemove()) {
            h.remove(name.toLowerCase(java.util.Locale.ROOT));
        }
        return h;
    }

    private void send(Channel ch) {
        Http2Headers head = requestHeaders(checker, config);
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, head.path().toString());
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
                report(false, FailureType.NETWORK);
            }
        });
    }

    private void report(boolean success, FailureType type) {
        Outcome o = outcome;
        outcome = null;
        if (o == null) {
            return;
        }
        if (success) {
            o.success(degraded);
        } else if (type == FailureType.ACTIVE) {
            o.failure(type, config.retriable(status));
        } else {
            o.failure(type, false);
        }
    }

    private final class Handler extends SimpleChannelInboundHandler<HttpObject> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpResponse r) {
                status = r.status().code();
                degraded = r.headers().contains("x-envoy-degraded");
                keepAlive = HttpUtil.isKeepAlive(r);
            }
            if (msg instanceof LastHttpContent) {
                boolean ok = config.expected(status);
                if (!keepAlive || !checker.config.reuseConnection()) {
                    ctx.close();
                    if (channel == ctx.channel()) {
                        channel = null;
                    }
                }
                report(ok, FailureType.ACTIVE);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            // Only the current connection speaks for the current check.
            if (channel == ctx.channel()) {
                channel = null;
                report(false, FailureType.NETWORK);
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
