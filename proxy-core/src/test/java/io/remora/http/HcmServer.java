package io.remora.http;

import io.remora.http.testing.TestServerContext;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.remora.config.HttpFilterEntry;
import io.remora.config.AccessLogConfig;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.HttpConnectionManagerConfig.CodecType;
import io.remora.config.Http2Options;
import io.remora.network.ConnectionInfo;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

/** A real listening socket (port 0) whose connections go to an HttpConnectionManager. */
final class HcmServer implements AutoCloseable {

    final TestServerContext context;
    final HttpConnectionManager hcm;
    final EventLoopGroup group;
    final Channel server;
    final int port;
    /** The accepted connections, in order. */
    final java.util.concurrent.LinkedBlockingQueue<Channel> accepted = new java.util.concurrent.LinkedBlockingQueue<>();

    HcmServer(HttpConnectionManagerConfig config) throws InterruptedException {
        this(config, null);
    }

    /** With {@code tls}, connections are TLS (the transport socket) before the HCM sees them. */
    HcmServer(HttpConnectionManagerConfig config, io.netty.handler.ssl.SslContext tls) throws InterruptedException {
        this(config, tls, new TestServerContext());
    }

    HcmServer(HttpConnectionManagerConfig config, io.netty.handler.ssl.SslContext tls, TestServerContext context)
            throws InterruptedException {
        this.context = context;
        HttpConnectionManagerFactory factory = new HttpConnectionManagerFactory(List.of(TestFilter.PROVIDER),
                (c, ctx) -> TestRoutes.PROVIDER);
        hcm = (HttpConnectionManager) factory.create(config, context);
        group = context.transport.newEventLoopGroup(1, "hcm-test");
        server = new ServerBootstrap().group(group).channel(context.transport.serverChannel())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        accepted.add(ch);
                        if (tls != null) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                        }
                        hcm.onAccept(ch, new ConnectionInfo("test", ch.localAddress(), ch.remoteAddress(), null,
                                null, tls != null ? "tls" : "raw_buffer", List.of()));
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        port = ((InetSocketAddress) server.localAddress()).getPort();
    }

    static HttpConnectionManagerConfig config(UnaryOperator<Builder> customize) {
        return customize.apply(new Builder()).build();
    }

    String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Envoy's defaults, with the test terminal filter and a captured access log. */
    static final class Builder {
        CodecType codec = CodecType.AUTO;
        Duration streamIdle = Duration.ofMinutes(5);
        Duration requestTimeout = Duration.ZERO;
        Duration idle = Duration.ofHours(1);
        int maxHeadersKb = 60;
        int maxHeadersCount = 100;
        boolean useRemoteAddress;
        int trustedHops;
        boolean skipXff;
        boolean generateRequestId = true;
        boolean preserveExternalRequestId;

        Builder codec(CodecType c) {
            codec = c;
            return this;
        }

        Builder streamIdle(Duration d) {
            streamIdle = d;
            return this;
        }

        Builder requestTimeout(Duration d) {
            requestTimeout = d;
            return this;
        }

        Duration requestHeadersTimeout;

        Builder requestHeadersTimeout(Duration d) {
            requestHeadersTimeout = d;
            return this;
        }

        Builder maxHeadersKb(int kb) {
            maxHeadersKb = kb;
            return this;
        }

        Http2Options http2 = Http2Options.DEFAULT;
        Duration drain = Duration.ofSeconds(5);

        Builder drain(Duration d) {
            drain = d;
            return this;
        }

        Duration delayedClose = Duration.ofSeconds(1);

        Builder delayedClose(Duration d) {
            delayedClose = d;
            return this;
        }

        Builder idle(Duration d) {
            idle = d;
            return this;
        }

        Builder maxHeadersCount(int n) {
            maxHeadersCount = n;
            return this;
        }

        Builder http2(Http2Options o) {
            http2 = o;
            return this;
        }

        Builder useRemoteAddress(boolean b) {
            useRemoteAddress = b;
            return this;
        }

        Builder trustedHops(int n) {
            trustedHops = n;
            return this;
        }

        boolean acceptHttp10;
        String defaultHostForHttp10;
        boolean streamErrorOnInvalid;

        Builder acceptHttp10(boolean accept) {
            acceptHttp10 = accept;
            return this;
        }

        Builder defaultHostForHttp10(String host) {
            defaultHostForHttp10 = host;
            return this;
        }

        boolean http1EnableTrailers;

        Builder http1EnableTrailers(boolean enable) {
            http1EnableTrailers = enable;
            return this;
        }

        boolean allowCustomMethods;

        Builder allowCustomMethods(boolean allow) {
            allowCustomMethods = allow;
            return this;
        }

        io.remora.config.InternalAddressConfig internalAddresses = io.remora.config.InternalAddressConfig.DEFAULT;

        Builder internalAddresses(io.remora.config.InternalAddressConfig config) {
            internalAddresses = config;
            return this;
        }

        Builder streamErrorOnInvalidHttpMessage(boolean streamError) {
            streamErrorOnInvalid = streamError;
            return this;
        }

        HttpConnectionManagerConfig build() {
            return HttpConnectionManagerConfig.builder("test").codecType(codec).rdsName("test-routes")
                    .httpFilters(List.of(HttpFilterEntry.of(new TestFilter.Config()))).streamIdleTimeout(streamIdle)
                    .requestTimeout(requestTimeout).idleTimeout(idle).drainTimeout(drain).delayedCloseTimeout(delayedClose)
                    .maxRequestHeadersKb(maxHeadersKb)
                    .maxRequestHeadersCount(maxHeadersCount).useRemoteAddress(useRemoteAddress).xffNumTrustedHops(trustedHops)
                    .skipXffAppend(skipXff).generateRequestId(generateRequestId)
                    .preserveExternalRequestId(preserveExternalRequestId).http2Options(http2)
                    .accessLogs(List.of(AccessLogConfig.builder(AccessLogConfig.Sink.STDOUT).build()))
                    .requestHeadersTimeout(requestHeadersTimeout).http1AcceptHttp10(acceptHttp10)
                    .http1DefaultHostForHttp10(defaultHostForHttp10).http1EnableTrailers(http1EnableTrailers)
                    .streamErrorOnInvalidHttpMessage(streamErrorOnInvalid).internalAddressConfig(internalAddresses)
                    // as the translator resolves it for HTTP/1 (no override_stream_error_on_invalid_http_message)
                    .http1Options(io.remora.config.Http1Options.builder().allowCustomMethods(allowCustomMethods)
                            .streamErrorOnInvalidHttpMessage(streamErrorOnInvalid).build()).build();
        }
    }
}
