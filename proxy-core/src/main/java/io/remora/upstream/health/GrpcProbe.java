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
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.HeaderBlock;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.ReferenceCountUtil;
import io.remora.config.HealthCheckConfig;
import io.remora.upstream.Host;

import java.nio.charset.StandardCharsets;

/**
 * {@code grpc_health_check}: {@code grpc.health.v1.Health/Check} over HTTP/2 (prior knowledge),
 * one stream per check on a kept connection. SERVING with grpc-status 0 passes; any other answer
 * fails at once; a reset or a lost connection is a network failure.
 */
final class GrpcProbe implements Probe {
    /** {@code HealthCheckResponse.ServingStatus.SERVING}. */
    private static final int SERVING = 1;

    private final HealthChecker checker;
    private final Host host;
    private final HealthCheckConfig.Grpc config;
    private Channel connection;
    private Outcome outcome;

    GrpcProbe(HealthChecker checker, Host host, HealthCheckConfig.Grpc config) {
        this.checker = checker;
        this.host = host;
        this.config = config;
    }

    @Override
    public void check(Outcome o) {
        if (connection != null && connection.isActive()) {
            outcome = o;
            openStream(connection);
            return;
        }
        close();
        outcome = o;
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
                            public void channelInactive(ChannelHandlerContext ctx) {
                                if (connection == ctx.channel()) {
                                    connection = null;
                                    report(FailureType.NETWORK);
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
                report(FailureType.NETWORK);
            } else {
                openStream(cf.channel());
            }
        });
    }

    private void openStream(Channel parent) {
        new Http2StreamChannelBootstrap(parent).handler(new StreamHandler()).open().addListener(sf -> {
            if (!sf.isSuccess()) {
                report(FailureType.NETWORK);
                return;
            }
            Http2StreamChannel stream = (Http2StreamChannel) sf.getNow();
            String authority = config.authority() == null || config.authority().isEmpty()
                    ? checker.clusterName() : config.authority();
            Http2Headers h = new HeaderBlock().method("POST").scheme("http").authority(authority)
                    .path("/grpc.health.v1.Health/Check");
            h.set("content-type", "application/grpc");
            h.set("te", "trailers");
            h.set("user-agent", "Envoy/HC");
            stream.write(new DefaultHttp2HeadersFrame(h, false));
            stream.writeAndFlush(new DefaultHttp2DataFrame(request(config.serviceName()), true));
        });
    }

    /** A gRPC frame of {@code HealthCheckRequest{service = 1}}. */
    static ByteBuf request(String service) {
        byte[] name = service == null ? new byte[0] : service.getBytes(StandardCharsets.UTF_8);
        ByteBuf msg = Unpooled.buffer();
        if (name.length > 0) {
            msg.writeByte(0x0A);
            writeVarint(msg, name.length);
            msg.writeBytes(name);
        }
        ByteBuf frame = Unpooled.buffer(5 + msg.readableBytes());
        frame.writeByte(0).writeInt(msg.readableBytes()).writeBytes(msg);
        msg.release();
        return frame;
    }

    private static void writeVarint(ByteBuf b, int v) {
        while ((v & ~0x7F) != 0) {
            b.writeByte((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        b.writeByte(v);
    }

    /** The {@code status} field of a HealthCheckResponse message, 0 (UNKNOWN) when absent. */
    static int servingStatus(ByteBuf body) {
        if (body.readableBytes() < 5) {
            return 0;
        }
        body.skipBytes(1);
        int len = body.readInt();
        int end = body.readerIndex() + Math.min(len, body.readableBytes());
        int status = 0;
        while (body.readerIndex() < end) {
            long tag = readVarint(body);
            int field = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            if (wire == 0) {
                long v = readVarint(body);
                if (field == 1) {
                    status = (int) v;
                }
            } else if (wire == 2) {
                body.skipBytes((int) readVarint(body));
            } else if (wire == 5) {
                body.skipBytes(4);
            } else if (wire == 1) {
                body.skipBytes(8);
            } else {
                break;
            }
        }
        return status;
    }

    private static long readVarint(ByteBuf b) {
        long v = 0;
        for (int shift = 0; shift < 64 && b.isReadable(); shift += 7) {
            byte x = b.readByte();
            v |= (long) (x & 0x7F) << shift;
            if ((x & 0x80) == 0) {
                break;
            }
        }
        return v;
    }

    private void report(FailureType failure) {
        Outcome o = outcome;
        outcome = null;
        if (o == null) {
            return;
        }
        if (failure == null) {
            o.success(false);
        } else {
            o.failure(failure, false);
        }
    }

    private final class StreamHandler extends SimpleChannelInboundHandler<Http2StreamFrame> {
        private int httpStatus;
        private boolean headersSeen;
        private boolean finished;
        private final ByteBuf body = Unpooled.buffer();

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Http2StreamFrame frame) {
            if (frame instanceof Http2HeadersFrame hf) {
                Http2Headers h = hf.headers();
                if (!headersSeen) {
                    headersSeen = true;
                    CharSequence s = h.status();
                    httpStatus = s == null ? 0 : Integer.parseInt(s.toString());
                }
                if (hf.isEndStream()) {
                    finish(ctx, h.get("grpc-status"));
                }
            } else if (frame instanceof Http2DataFrame df) {
                body.writeBytes(df.content());
                if (df.isEndStream()) {
                    finish(ctx, null);
                }
            } else if (frame instanceof Http2ResetFrame) {
                finished = true;
                ctx.close();
                report(FailureType.NETWORK);
            }
        }

        private void finish(ChannelHandlerContext ctx, CharSequence grpcStatus) {
            finished = true;
            boolean ok = httpStatus == 200 && grpcStatus != null && "0".contentEquals(grpcStatus)
                    && servingStatus(body) == SERVING;
            ctx.close();
            report(ok ? null : FailureType.ACTIVE);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            body.release();
            if (!finished) {
                report(FailureType.NETWORK);
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
