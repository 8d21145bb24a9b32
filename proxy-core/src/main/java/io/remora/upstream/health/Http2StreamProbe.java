package io.remora.upstream.health;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.remora.upstream.Host;

/**
 * A check as one HTTP/2 stream (prior knowledge) on a connection kept between checks: the
 * subclass gives the request and judges the whole response; a reset or a lost connection is a
 * network failure. gRPC checks and HTTP checks with {@code codec_client_type: HTTP2} share it.
 */
abstract class Http2StreamProbe implements Probe {
    protected final HealthChecker checker;
    protected final Host host;
    private Channel connection;
    private Outcome outcome;
    /** The connection got a GOAWAY: it takes no new check and closes once the one in flight is done. */
    private boolean goingAway;

    Http2StreamProbe(HealthChecker checker, Host host) {
        this.checker = checker;
        this.host = host;
    }

    /** The request's headers, pseudo-headers included; {@code tls}: the connection is TLS (scheme https). */
    abstract Http2Headers requestHeaders(boolean tls);

    /** The request's body, or null when the headers end the stream. */
    abstract ByteBuf requestBody();

    /**
     * Reports the check's result to {@code o} from the response: its status, first headers, the
     * trailers (null when none) and the body.
     */
    abstract void judge(int status, Http2Headers headers, Http2Headers trailers, ByteBuf body, Outcome o);

    @Override
    public void check(Outcome o) {
        if (connection != null && connection.isActive() && !goingAway) {
            outcome = o;
            openStream(connection);
            return;
        }
        close();
        outcome = o;
        goingAway = false;
        var f = Connector.connect(checker, host, new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(),
                        new Http2MultiplexHandler(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ReferenceCountUtil.release(msg);
                            }
                        }),
                        new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                try {
                                    if (msg instanceof Http2GoAwayFrame g && connection == ctx.channel()) {
                                        goAway(g.errorCode());
                                    }
                                } finally {
                                    ReferenceCountUtil.release(msg);
                                }
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) {
                                if (connection == ctx.channel()) {
                                    connection = null;
                                    networkFailure();
                                }
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close();
                            }
                        });
            }
        });
        connection = f.channel();
        f.addListener((ChannelFutureListener) cf -> {
            if (!cf.isSuccess()) {
                networkFailure();
            } else {
                openStream(cf.channel());
            }
        });
    }

    /**
     * As Envoy's checkers: a graceful GOAWAY (NO_ERROR) lets the check in flight finish, and the
     * next check opens a new connection; any other fails the check in flight as a network failure.
     * Either way the connection is not used again.
     */
    private void goAway(long errorCode) {
        goingAway = true;
        if (outcome != null && errorCode == Http2Error.NO_ERROR.code()) {
            return;
        }
        networkFailure();
        close();
    }

    private void openStream(Channel parent) {
        new Http2StreamChannelBootstrap(parent).handler(new StreamHandler()).open().addListener(sf -> {
            if (!sf.isSuccess()) {
                networkFailure();
                return;
            }
            Http2StreamChannel stream = (Http2StreamChannel) sf.getNow();
            Http2Headers headers = requestHeaders(parent.pipeline().get(SslHandler.class) != null);
            ByteBuf body = requestBody();
            if (body == null) {
                stream.writeAndFlush(new DefaultHttp2HeadersFrame(headers, true));
            } else {
                stream.write(new DefaultHttp2HeadersFrame(headers, false));
                stream.writeAndFlush(new DefaultHttp2DataFrame(body, true));
            }
        });
    }

    private Outcome take() {
        Outcome o = outcome;
        outcome = null;
        return o;
    }

    private void networkFailure() {
        Outcome o = take();
        if (o != null) {
            o.failure(FailureType.NETWORK, false);
        }
    }

    private final class StreamHandler extends SimpleChannelInboundHandler<Http2StreamFrame> {
        private int status;
        private Http2Headers headers;
        private boolean finished;
        private final ByteBuf body = Unpooled.buffer();

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Http2StreamFrame frame) {
            if (frame instanceof Http2HeadersFrame hf) {
                Http2Headers h = hf.headers();
                Http2Headers trailers = null;
                if (headers == null) {
                    headers = h;
                    CharSequence s = h.status();
                    status = s == null ? 0 : Integer.parseInt(s.toString());
                } else {
                    trailers = h;
                }
                if (hf.isEndStream()) {
                    finish(ctx, trailers);
                }
            } else if (frame instanceof Http2DataFrame df) {
                body.writeBytes(df.content());
                if (df.isEndStream()) {
                    finish(ctx, null);
                }
            } else if (frame instanceof Http2ResetFrame) {
                finished = true;
                ctx.close();
                networkFailure();
            }
        }

        private void finish(ChannelHandlerContext ctx, Http2Headers trailers) {
            finished = true;
            ctx.close();
            Outcome o = take();
            if (o != null) {
                judge(status, headers, trailers, body, o);
            }
            if (!checker.config.reuseConnection() || goingAway) {
                close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            body.release();
            if (!finished) {
                networkFailure();
            }
        }
    }

    @Override
    public void close() {
        outcome = null;
        if (connection != null) {
            connection.close();
            connection = null;
        }
    }
}
