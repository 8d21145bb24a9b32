package io.remora.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.remora.accesslog.AccessLog;
import io.remora.accesslog.StreamInfo;
import io.remora.config.Address;
import io.remora.server.Transport;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Envoy's admin API over HTTP/1.1 on its own one-thread event loop, so a slow /config_dump or
 * /stats never touches a worker. Binds the bootstrap's admin address (port 0 resolves to a free
 * port; see {@link #boundAddress()}).
 */
public final class AdminServer implements AutoCloseable {

    private static final Logger LOG = io.remora.log.Logging.logger("admin");
    private static final int MAX_REQUEST_BYTES = 1 << 20;

    private final AdminContext ctx;
    private final Address address;
    private final Transport transport;
    private final AdminEndpoints endpoints;
    private volatile AccessLog[] accessLogs = new AccessLog[0];
    private EventLoopGroup group;
    private Channel channel;
    private List<io.remora.config.SocketOption> socketOptions = List.of();
    private java.util.function.Supplier<io.remora.overload.ConnectionLimits> globalLimit;
    private io.remora.stats.DispatcherStats dispatcherStats;
    private io.micrometer.core.instrument.Counter globalOverflow;

    public AdminServer(AdminContext ctx, Address address) {
        this(ctx, address, Transport.detect());
    }

    public AdminServer(AdminContext ctx, Address address, Transport transport) {
        this.ctx = ctx;
        this.address = address;
        this.transport = transport;
        this.endpoints = new AdminEndpoints(ctx, this::quitLater);
    }

    /** {@code admin.socket_options}, set as a listener's are; call before {@link #start()}. */
    public AdminServer socketOptions(List<io.remora.config.SocketOption> options) {
        this.socketOptions = List.copyOf(options);
        return this;
    }

    /**
     * Admin connections count against the global downstream connection limit and are closed at
     * accept when it is full ({@code overflow}: listener.admin.downstream_global_cx_overflow), as
     * Envoy's admin listener unless {@code admin.ignore_global_conn_limit}; call before {@link #start()}.
     * {@code limits} is asked at each accept: the admin serves before the overload manager runs
     * (null until then: not counted).
     */
    public AdminServer globalConnectionLimit(java.util.function.Supplier<io.remora.overload.ConnectionLimits> limits,
                                             io.micrometer.core.instrument.Counter overflow) {
        this.globalLimit = limits;
        this.globalOverflow = overflow;
        return this;
    }

    /**
     * Envoy's main thread dispatcher stats ({@code server.dispatcher.*}) for the admin's event loop,
     * the thread that stands for Envoy's main one; call before {@link #start()}.
     */
    public AdminServer dispatcherStats(io.remora.stats.DispatcherStats stats) {
        this.dispatcherStats = stats;
        return this;
    }

    /** Binds; throws if the address cannot be bound. */
    public synchronized AdminServer start() throws InterruptedException {
        io.remora.stats.DispatcherStats mainStats = dispatcherStats;
        group = transport.newEventLoopGroup(1, "remora-admin", mainStats == null ? null : i -> mainStats);
        ServerBootstrap b = new ServerBootstrap().group(group).childHandler(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                io.remora.overload.ConnectionLimits limits = globalLimit == null ? null : globalLimit.get();
                if (limits != null) {
                    if (!limits.tryAcquireGlobal()) {
                        globalOverflow.increment();
                        ch.close();
                        return;
                    }
                    ch.closeFuture().addListener(f -> limits.releaseGlobal());
                }
                ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_REQUEST_BYTES), new Handler());
            }
        });
        SocketAddress bindTo;
        if (address instanceof Address.Tcp t) {
            b.channel(transport.serverChannel());
            bindTo = new InetSocketAddress(t.host(), t.port());
        } else {
            Address.Pipe p = (Address.Pipe) address;
            if (transport.serverDomainSocketChannel() == null) {
                group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
                throw new IllegalStateException("admin on a Unix domain socket needs the epoll transport: " + p.path());
            }
            b.channel(transport.serverDomainSocketChannel());
            bindTo = new DomainSocketAddress(p.path());
        }
        boolean raw = !socketOptions.isEmpty();
        if (raw && transport.kind() != io.remora.server.Transport.Kind.EPOLL) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw new IllegalStateException("admin socket_options need the epoll transport");
        }
        io.remora.server.RawSocketOptions.apply(b, socketOptions, true);
        try {
            channel = b.bind(bindTo).sync().channel();
            io.remora.server.RawSocketOptions.applyBound(channel, socketOptions, true);
            if (address instanceof Address.Pipe p) {
                io.remora.server.UnixSocketMode.apply(p);
            }
        } catch (InterruptedException e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        } catch (Exception e) { // Netty rethrows the bind error (an IOException) unchecked
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw new IllegalStateException("admin: cannot bind " + address + ": "
                    + (e.getMessage() != null ? e.getMessage() : e.toString()), e);
        }
        LOG.info("admin address: " + channel.localAddress());
        return this;
    }

    /** The admin's one event loop (Remora's main thread for the watchdog); null before {@link #start()}. */
    public synchronized io.netty.channel.EventLoop eventLoop() {
        return channel == null ? null : channel.eventLoop();
    }

    /**
     * Adds an endpoint answering with a stream (e.g. the tap filter's {@code /tap}); before
     * {@link #start()}.
     */
    public synchronized AdminServer streamingEndpoint(String path, String help, AdminStream.Handler handler) {
        if (channel != null) {
            throw new IllegalStateException("admin endpoints are added before the server starts");
        }
        endpoints.addStreaming(path, help, handler);
        return this;
    }

    /** The admin's own access logs ({@code admin.access_log} / {@code access_log_path}). */
    public AdminServer accessLogs(List<AccessLog> logs) {
        this.accessLogs = logs.toArray(new AccessLog[0]);
        return this;
    }

    /** The bound address (port 0 resolved). */
    public SocketAddress boundAddress() {
        return channel.localAddress();
    }

    /** The bound TCP port, or -1 for a Unix domain socket. */
    public int port() {
        return channel.localAddress() instanceof InetSocketAddress a ? a.getPort() : -1;
    }

    private void quitLater() {
        // Runs once the reply is written, on its own thread: quitting may close this very server.
        Thread t = new Thread(ctx::quit, "remora-quitquitquit");
        t.setDaemon(false);
        t.start();
    }

    @Override
    public synchronized void close() {
        if (channel != null) {
            channel.close().awaitUninterruptibly();
        }
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        }
    }

    AdminResponse dispatch(HttpMethod method, String uri) {
        return dispatch(method, uri, null);
    }

    /** @param form a POST's {@code application/x-www-form-urlencoded} body, or null; its fields join the query's */
    AdminResponse dispatch(HttpMethod method, String uri, String form) {
        QueryStringDecoder q = new QueryStringDecoder(uri);
        AdminEndpoints.Endpoint e = endpoints.find(q.path());
        if (e == null) {
            // Envoy: "invalid path. " followed by the help.
            return AdminResponse.text(404, "invalid path. " + endpoints.help());
        }
        if (e.mutates() && !HttpMethod.POST.equals(method)) {
            LOG.warning("admin path \"" + e.path() + "\" mutates state, method=" + method + " rather than POST");
            return AdminResponse.text(405, "Method " + method + " not allowed, POST required.");
        }
        java.util.Map<String, List<String>> params = q.parameters();
        if (form != null && !form.isEmpty()) {
            params = new java.util.LinkedHashMap<>(params);
            for (var en : new QueryStringDecoder(form, false).parameters().entrySet()) {
                params.merge(en.getKey(), en.getValue(), (a, b) -> {
                    List<String> all = new java.util.ArrayList<>(a);
                    all.addAll(b);
                    return all;
                });
            }
        }
        try {
            return e.handler().apply(params);
        } catch (RuntimeException ex) {
            LOG.log(Level.WARNING, "admin " + e.path() + " failed", ex);
            return AdminResponse.text(500, "error: " + ex + "\n");
        }
    }

    private static String formBody(FullHttpRequest req) {
        String type = req.headers().get(HttpHeaderNames.CONTENT_TYPE);
        if (!HttpMethod.POST.equals(req.method()) || type == null
                || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
            return null;
        }
        return req.content().toString(StandardCharsets.UTF_8);
    }

    /** What Envoy's admin adds to each response: its own headers, then its connection manager's date and server. */
    private static void adminHeaders(io.netty.handler.codec.http.HttpHeaders h) {
        h.set(HttpHeaderNames.CACHE_CONTROL, "no-cache, max-age=0");
        h.set("x-content-type-options", "nosniff");
        h.set(io.remora.http.HttpDate.DATE, io.remora.http.HttpDate.now());
        h.set(HttpHeaderNames.SERVER, "envoy");
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext c, FullHttpRequest req) {
            AdminResponse r;
            AdminEndpoints.Endpoint streaming = req.decoderResult().isSuccess() && HttpMethod.POST.equals(req.method())
                    ? endpoints.find(new QueryStringDecoder(req.uri()).path()) : null;
            if (streaming != null && streaming.stream() != null) {
                ChunkedAdminStream stream = new ChunkedAdminStream(c.channel());
                r = startStream(streaming, req, stream);
                if (r == null) {
                    HttpResponse resp = new DefaultHttpResponse(req.protocolVersion(), HttpResponseStatus.OK);
                    resp.headers().set(HttpHeaderNames.CONTENT_TYPE, AdminResponse.JSON);
                    adminHeaders(resp.headers());
                    HttpUtil.setTransferEncodingChunked(resp, true);
                    c.writeAndFlush(resp);
                    stream.started();
                    return;
                }
            } else {
                r = req.decoderResult().isSuccess()
                        ? dispatch(req.method(), req.uri(), formBody(req))
                        : AdminResponse.text(400, "bad request\n");
            }
            reply(c, req, r);
        }

        private AdminResponse startStream(AdminEndpoints.Endpoint e, FullHttpRequest req, ChunkedAdminStream stream) {
            try {
                return e.stream().start(req.content().toString(StandardCharsets.UTF_8), stream);
            } catch (RuntimeException ex) {
                LOG.log(Level.WARNING, "admin " + e.path() + " failed", ex);
                return AdminResponse.text(500, "error: " + ex + "\n");
            }
        }

        private void reply(ChannelHandlerContext c, FullHttpRequest req, AdminResponse r) {
            StreamInfo info = accessLogs.length == 0 ? null : new StreamInfo();
            boolean head = HttpMethod.HEAD.equals(req.method());
            ByteBuf body = head ? Unpooled.EMPTY_BUFFER : Unpooled.copiedBuffer(r.body(), StandardCharsets.UTF_8);
            int bodyBytes = body.readableBytes(); // before the write hands the buffer away
            FullHttpResponse resp = new DefaultFullHttpResponse(req.protocolVersion(),
                    HttpResponseStatus.valueOf(r.status()), body);
            resp.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
            adminHeaders(resp.headers());
            resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, head
                    ? r.body().getBytes(StandardCharsets.UTF_8).length : body.readableBytes());
            boolean keepAlive = HttpUtil.isKeepAlive(req) && req.decoderResult().isSuccess();
            io.netty.channel.ChannelFuture f;
            if (keepAlive) {
                if (!req.protocolVersion().isKeepAliveDefault()) {
                    resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                }
                f = c.writeAndFlush(resp);
            } else {
                resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                f = c.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
            }
            if (info != null) {
                info.downstreamRemoteAddress = c.channel().remoteAddress();
                info.downstreamLocalAddress = c.channel().localAddress();
                info.protocol = req.protocolVersion().text();
                try {
                    info.requestHeaders = HttpConversionUtil.toHttp2Headers(req, false);
                } catch (RuntimeException e) {
                    info.method(req.method().name());
                    info.path(req.uri());
                }
                info.responseCode = r.status();
                info.bytesReceived = req.content().readableBytes();
                info.bytesSent = bodyBytes;
                f.addListener(x -> {
                    info.finish();
                    io.remora.accesslog.AccessLogs.emit(accessLogs, info, io.remora.config.AccessLogType.NOT_SET);
                });
            }
            if (r.afterSent() != null) {
                f.addListener(x -> r.afterSent().run());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
            c.close();
        }
    }
}
