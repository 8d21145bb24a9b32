package io.remora.tcp;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.remora.http.testing.ReadGate;
import io.remora.server.Transport;
import io.remora.config.Address;
import io.remora.config.ClusterConfig;
import io.remora.config.ClusterSpecifier;
import io.remora.config.FilterChainConfig;
import io.remora.config.FilterChainMatch;
import io.remora.config.ListenerConfig;
import io.remora.config.NodeInfo;
import io.remora.config.ServerConfig;
import io.remora.config.TcpProxyConfig;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** Test peers and config builders for the network tests. */
public final class TestNet {
    private TestNet() {
    }

    /** A Netty echo server; on the client's FIN it finishes echoing and sends its own FIN. */
    public static final class EchoServer implements AutoCloseable {
        private final EventLoopGroup group = Transport.of(Transport.Kind.NIO).newEventLoopGroup(1, "test-echo");
        private final Channel channel;
        public final AtomicInteger accepted = new AtomicInteger();
        /** Optional greeting sent on accept (identifies the server in split tests). */
        private final String greeting;

        public EchoServer() {
            this(null);
        }

        public EchoServer(String greeting) {
            this.greeting = greeting;
            channel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            accepted.incrementAndGet();
                            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelActive(ChannelHandlerContext ctx) {
                                    if (greeting != null) {
                                        ctx.writeAndFlush(ctx.alloc().buffer().writeBytes(greeting.getBytes()));
                                    }
                                }

                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    ctx.write(msg);
                                }

                                @Override
                                public void channelReadComplete(ChannelHandlerContext ctx) {
                                    ctx.flush();
                                }

                                @Override
                                public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                    if (evt instanceof ChannelInputShutdownEvent) {
                                        ctx.writeAndFlush(ctx.alloc().buffer().writeBytes("bye".getBytes()))
                                                .addListener(f -> ((DuplexChannel) ctx.channel()).shutdownOutput());
                                    }
                                }

                                @Override
                                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                    ctx.close();
                                }
                            });
                        }
                    }).bind("127.0.0.1", 0).syncUninterruptibly().channel();
        }

        public int port() {
            return ((InetSocketAddress) channel.localAddress()).getPort();
        }

        @Override
        public void close() {
            channel.close().syncUninterruptibly();
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** An upstream that accepts and does not read until told to; counts what it then reads. */
    public static final class SlowSink implements AutoCloseable {
        private final EventLoopGroup group = Transport.of(Transport.Kind.NIO).newEventLoopGroup(1, "test-sink");
        private final Channel channel;
        private final java.util.concurrent.atomic.AtomicLong received = new java.util.concurrent.atomic.AtomicLong();
        private final ReadGate gate = new ReadGate(false);

        public SlowSink() {
            channel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.SO_RCVBUF, 64 * 1024)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            gate.admit(ch);
                            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    received.addAndGet(((ByteBuf) msg).readableBytes());
                                    ((ByteBuf) msg).release();
                                }
                            });
                        }
                    }).bind("127.0.0.1", 0).syncUninterruptibly().channel();
        }

        public int port() {
            return ((InetSocketAddress) channel.localAddress()).getPort();
        }

        /** Accepted connections read, also those accepted after this call. */
        public void startReading() {
            gate.open();
        }

        public long received() {
            return received.get();
        }

        @Override
        public void close() {
            channel.close().syncUninterruptibly();
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    public static TcpProxyConfig tcpProxy(ClusterSpecifier cluster, Duration idle, int attempts) {
        return new TcpProxyConfig("tcp", cluster, idle, attempts,
                List.of(io.remora.config.AccessLogConfig.builder(io.remora.config.AccessLogConfig.Sink.STDOUT).build()));
    }

    public static FilterChainConfig chain(String name, FilterChainMatch match, TcpProxyConfig tcp) {
        return new FilterChainConfig(name, match, List.of(tcp), null);
    }

    public static ListenerConfig listener(String name, int port, List<FilterChainConfig> chains,
                                          List<ListenerConfig.ListenerFilter> filters) {
        return new ListenerConfig(name, new Address.Tcp("127.0.0.1", port), null,
                ListenerConfig.TrafficDirection.UNSPECIFIED, filters, chains, null, false, false, true,
                Duration.ofSeconds(15), 1 << 20);
    }

    public static ListenerConfig tcpListener(String name, String cluster) {
        return listener(name, 0, List.of(chain("c", FilterChainMatch.ANY,
                tcpProxy(new ClusterSpecifier.Single(cluster), Duration.ofHours(1), 1))), List.of());
    }

    /** A loopback port nothing listens on (bound once, then closed): connects to it are refused. */
    public static int closedPort() throws java.io.IOException {
        try (java.net.ServerSocket ss = new java.net.ServerSocket(0)) {
            return ss.getLocalPort();
        }
    }

    public static ServerConfig serverConfig(List<ListenerConfig> listeners, List<ClusterConfig> clusters) {
        Map<String, ClusterConfig> cm = new LinkedHashMap<>();
        for (ClusterConfig c : clusters) {
            cm.put(c.name(), c);
        }
        return new ServerConfig(NodeInfo.of("test", "test"), null, listeners, cm, Map.of(), Duration.ofSeconds(2));
    }
}
