package io.remora.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.remora.config.ClusterConfig;
import io.remora.server.Transport;
import io.remora.stats.StatsRegistry;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code upstream_connection_options.tcp_keepalive} reaches the upstream socket (Istio's tcpKeepalive). */
class UpstreamKeepaliveTest {

    private static Channel connect(ClusterConfig.TcpKeepalive keepalive, Transport transport, EventLoopGroup group,
                                   int port) throws Exception {
        ClusterConfig base = TestClusters.staticCluster("ka", ClusterConfig.LbPolicy.ROUND_ROBIN,
                TestClusters.ep("127.0.0.1", port));
        ClusterConfig c = base.toBuilder().tcpKeepalive(keepalive).build();
        try (ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry(), DnsResolver.SYSTEM, new io.remora.tls.SecretManager(), transport)) {
            cm.update(Map.of("ka", c));
            Cluster cluster = cm.get("ka");
            CompletableFuture<Channel> done = new CompletableFuture<>();
            new UpstreamConnector(transport).connect(group.next(), cluster, cluster.hosts().get(0),
                    UpstreamConnector.ConnectOptions.HTTP1, ch -> { }, new UpstreamConnector.Callback() {
                        @Override
                        public void onConnected(Channel channel) {
                            done.complete(channel);
                        }

                        @Override
                        public void onFailure(Channel channel, Throwable cause, boolean tls) {
                            done.completeExceptionally(cause);
                        }
                    });
            return done.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void keepaliveOptionsAreSetOnUpstreamSockets() throws Exception {
        Transport transport = Transport.detect();
        EventLoopGroup group = transport.newEventLoopGroup(1, "ka-test");
        try (ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Channel on = connect(new ClusterConfig.TcpKeepalive(3, Duration.ofSeconds(70), Duration.ofSeconds(9)),
                    transport, group, ss.getLocalPort());
            assertTrue(on.config().getOption(ChannelOption.SO_KEEPALIVE));
            if (transport.kind() == Transport.Kind.EPOLL) {
                assertEquals(70, on.config().getOption(EpollChannelOption.TCP_KEEPIDLE));
                assertEquals(9, on.config().getOption(EpollChannelOption.TCP_KEEPINTVL));
                assertEquals(3, on.config().getOption(EpollChannelOption.TCP_KEEPCNT));
            }
            on.close().sync();
            Channel off = connect(null, transport, group, ss.getLocalPort());
            assertFalse(off.config().getOption(ChannelOption.SO_KEEPALIVE));
            off.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
