package io.remora.http.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.remora.upstream.Host;

import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;

/** One upstream HTTP/1.1 connection; serves one stream at a time, then returns to its pool. */
final class Http1UpstreamConnection extends ChannelInboundHandlerAdapter implements UpstreamStream {
    private final Http1ConnectionPool pool;
    Channel channel;
    boolean connected;
    private UpstreamCallbacks active;
    private int served;
    private boolean requestDone;
    private boolean responseDone;
    private boolean responseStarted;
    private boolean keepAlive;
    private boolean skipping1xx;
    private boolean swallowLast;
    private boolean headRequest;
    private boolean upgradeRequested;
    private ScheduledFuture<?> idleTimer;
    /** max_connection_duration elapsed: no request after the current one. */
    boolean expired;

    Http1UpstreamConnection(Http1ConnectionPool pool) {
        this.pool = pool;
    }

    void attach(UpstreamCallbacks callbacks) {
        if (idleTimer != null) {
            idleTimer.cancel(false);
            idleTimer = null;
        }
        active = callbacks;
        served++;
        requestDone = responseDone = responseStarted = skipping1xx = swallowLast = false;
        keepAlive = true;
        pool.ctx.host.stats.rqTotal.increment();
        callbacks.onPoolReady(this);
    }

    void parkIdle() {
        long ms = pool.ctx.idleTimeoutMillis();
        if (ms > 0) {
            idleTimer = channel.eventLoop().schedule(() -> pool.idleTimedOut(this), ms, TimeUnit.MILLISECONDS);
        }
    }

    // ---- UpstreamStream (request side) ----

    @Override
    public Host host() {
        return pool.ctx.host;
    }

    @Override
    public SocketAddress localAddress() {
        return channel.localAddress();
    }

    @Override
    public void writeHeaders(Http2Headers headers, boolean endStream) {
        HttpRequest req = HeaderConversion.toHttp1Request(headers, endStream);
        headRequest = req.method() == HttpMethod.HEAD;
        upgradeRequested = req.headers().contains(HttpHeaderNames.UPGRADE);
        if (endStream) {
            channel.write(req);
            channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            requestDone = true;
        } else {
            channel.writeAndFlush(req);
        }
    }

    @Override
    public void writeData(ByteBuf data, boolean endStream) {
        if (active == null) {
            data.release();
            return;
        }
        if (endStream) {
            requestDone = true;
            channel.writeAndFlush(new DefaultLastHttpContent(data));
            maybeRelease();
        } else {
            channel.writeAndFlush(new DefaultHttpContent(data));
        }
    }

    @Override
    public void writeTrailers(Http2Headers trailers) {
        if (active == null) {
            return;
        }
        LastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
        HeaderConversion.copyTrailers(trailers, last.trailingHeaders());
        requestDone = true;
        channel.writeAndFlush(last);
        maybeRelease();
    }

    @Override
    public boolean isWritable() {
        return channel.isWritable();
    }

    @Override
    public void readEnabled(boolean enabled) {
        channel.config().setAutoRead(enabled);
    }

    @Override
    public void reset() {
        if (active != null) {
            active = null;
            channel.close();
        }
    }

    // ---- response side ----

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        UpstreamCallbacks cb = active;
        if (cb == null) {
            // Bytes nobody asked for: the connection is no longer trustworthy.
            ReferenceCountUtil.release(msg);
            channel.close();
            return;
        }
        if (msg instanceof HttpResponse res) {
            if (res.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                fail(ResetReason.PROTOCOL_ERROR);
                return;
            }
            int code = res.status().code();
            if (code == 101 && !upgradeRequested) {
                // As Envoy: switching protocols for a request that asked for no upgrade is an upstream
                // protocol error (503 UPE), never a raw pipe between the client and this upstream.
                ReferenceCountUtil.release(msg);
                fail(ResetReason.PROTOCOL_ERROR);
                return;
            }
            if (code >= 100 && code < 200 && code != 101) {
                // 100 Continue was answered to the client by the proxy; other 1xx are dropped.
                skipping1xx = true;
            } else {
                responseStarted = true;
                pool.ctx.host.stats.response(code);
                keepAlive = HttpUtil.isKeepAlive(res);
                Http2Headers h = HeaderConversion.toHttp2Response(res);
                boolean noBody = headRequest || code == 204 || code == 304
                        || HttpUtil.getContentLength(res, -1L) == 0;
                if (noBody) {
                    swallowLast = true;
                    responseDone = true;
                    cb.onResponseHeaders(h, true);
                    if (active == cb) {
                        maybeRelease();
                    }
                } else {
                    cb.onResponseHeaders(h, false);
                }
            }
        }
        if (msg instanceof HttpContent content) {
            if (skipping1xx) {
                if (content instanceof LastHttpContent) {
                    skipping1xx = false;
                }
                content.release();
                return;
            }
            if (swallowLast) {
                if (content instanceof LastHttpContent) {
                    swallowLast = false;
                }
                content.release();
                return;
            }
            if (content.decoderResult().isFailure()) {
                content.release();
                fail(ResetReason.PROTOCOL_ERROR);
                return;
            }
            ByteBuf data = content.content();
            if (content instanceof LastHttpContent last) {
                responseDone = true;
                if (!last.trailingHeaders().isEmpty()) {
                    Http2Headers trailers = HeaderConversion.toHttp2Headers(last.trailingHeaders());
                    if (data.isReadable()) {
                        cb.onResponseData(data, false);
                    } else {
                        data.release();
                    }
                    if (active == cb) {
                        cb.onResponseTrailers(trailers);
                    }
                } else {
                    cb.onResponseData(data, true);
                }
                if (active == cb) {
                    maybeRelease();
                }
            } else {
                cb.onResponseData(data, false);
            }
        } else if (!(msg instanceof HttpResponse)) {
            // Raw bytes after a switch of protocols, or anything else the codec passes through.
            ReferenceCountUtil.release(msg);
            fail(ResetReason.PROTOCOL_ERROR);
        }
    }

    private void fail(ResetReason reason) {
        UpstreamCallbacks cb = active;
        active = null;
        channel.close();
        if (cb != null) {
            pool.ctx.host.stats.rqError.increment();
            cb.onReset(reason);
        }
    }

    private void maybeRelease() {
        if (!responseDone) {
            return;
        }
        if (!requestDone) {
            // An early response: the rest of the request would confuse the next user.
            active = null;
            channel.close();
            return;
        }
        active = null;
        int max = pool.ctx.maxRequestsPerConnection();
        if (!keepAlive || expired || (max > 0 && served >= max) || !channel.isActive()) {
            channel.close();
        } else {
            // Whoever paused this connection for downstream backpressure is gone.
            channel.config().setAutoRead(true);
            pool.released(this);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        UpstreamCallbacks cb = active;
        if (cb != null) {
            cb.onWritabilityChanged(channel.isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (idleTimer != null) {
            idleTimer.cancel(false);
        }
        UpstreamCallbacks cb = active;
        active = null;
        pool.closed(this);
        if (cb != null) {
            pool.ctx.host.stats.rqError.increment();
            cb.onReset(ResetReason.CONNECTION_TERMINATION);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
