package io.remora.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.RecvByteBufAllocator;
import io.remora.config.Address;
import io.remora.config.ListenerConfig;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ListenerBinderTest {

    /**
     * Accepted channels share one receive-buffer allocator (not one each) yet read as Netty's own
     * per-channel default would: up to 16 reads per readiness event.
     */
    @Test
    void acceptedChannelsShareOneAllocatorWithNettysReadBudget() throws Exception {
        Transport transport = Transport.detect();
        EventLoopGroup workers = transport.newEventLoopGroup(1, "binder-test");
        LinkedBlockingQueue<Channel> accepted = new LinkedBlockingQueue<>();
        List<Channel> bound = List.of();
        try {
            ListenerConfig lc = new ListenerConfig("l", new Address.Tcp("127.0.0.1", 0), null,
                    ListenerConfig.TrafficDirection.UNSPECIFIED, List.of(), List.of(), null, false, false, true,
                    Duration.ofSeconds(1), 1 << 20);
            bound = new ListenerBinder(transport, workers).bind(lc, new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    accepted.add(ch);
                }
            });
            int port = ((InetSocketAddress) bound.get(0).localAddress()).getPort();
            try (Socket a = new Socket("127.0.0.1", port); Socket b = new Socket("127.0.0.1", port)) {
                Channel first = accepted.poll(5, TimeUnit.SECONDS);
                Channel second = accepted.poll(5, TimeUnit.SECONDS);
                assertTrue(first != null && second != null, "both connections accepted");
                RecvByteBufAllocator alloc = first.config().getRecvByteBufAllocator();
                assertSame(alloc, second.config().getRecvByteBufAllocator());
                assertEquals(16, first.config().getMaxMessagesPerRead());
            }
        } finally {
            for (Channel ch : bound) {
                ch.close().syncUninterruptibly();
            }
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /**
     * The listening socket as the kernel has it: TCP_FASTOPEN's queue length read back with
     * getsockopt (epoll only), and the accept loop's budget per readiness event:
     * max_connections_to_accept_per_socket_event when set, unlimited (Envoy's default) otherwise.
     */
    @Test
    void fastOpenQueueAndAcceptsPerEventReachTheListeningSocket() {
        Transport transport = Transport.detect();
        org.junit.jupiter.api.Assumptions.assumeTrue(transport.kind() == Transport.Kind.EPOLL, "TCP_FASTOPEN needs epoll");
        EventLoopGroup workers = transport.newEventLoopGroup(2, "binder-test");
        List<Channel> bound = new java.util.ArrayList<>();
        try {
            ListenerConfig lc = ListenerConfig.builder("l", new Address.Tcp("127.0.0.1", 0))
                    .socket(io.remora.config.ListenerSocketConfig.builder().tcpFastOpenQueueLength(5)
                            .maxAcceptPerEvent(3).build()).build();
            bound.addAll(new ListenerBinder(transport, workers).bind(lc, new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                }
            }));
            assertEquals(2, bound.size(), "one socket per worker");
            io.netty.channel.unix.IntegerUnixChannelOption fastOpen =
                    new io.netty.channel.unix.IntegerUnixChannelOption("TCP_FASTOPEN", 6, 23);
            for (Channel ch : bound) {
                assertEquals(5, ch.config().getOption(fastOpen));
                assertEquals(3, ch.config().getMaxMessagesPerRead());
            }
            ListenerConfig plain = ListenerConfig.builder("p", new Address.Tcp("127.0.0.1", 0)).build();
            List<Channel> other = new ListenerBinder(transport, workers).bind(plain, new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                }
            });
            bound.addAll(other);
            assertEquals(0, other.get(0).config().getOption(fastOpen), "left as the kernel has it: off");
            assertEquals(Integer.MAX_VALUE, other.get(0).config().getMaxMessagesPerRead());
        } finally {
            for (Channel ch : bound) {
                ch.close().syncUninterruptibly();
            }
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /**
     * exact_balance: whichever socket accepts, each connection is registered on the worker holding
     * the fewest of the address's connections, and a closed one frees its place.
     */
    @Test
    void exactBalanceRegistersOnTheLeastLoadedWorker() throws Exception {
        Transport transport = Transport.detect();
        EventLoopGroup workers = transport.newEventLoopGroup(3, "binder-test");
        ExactBalanceGroup group = new ExactBalanceGroup(workers);
        List<Channel> channels = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 7; i++) {
                Channel ch = transport.kind() == Transport.Kind.EPOLL ? new io.netty.channel.epoll.EpollSocketChannel()
                        : new io.netty.channel.socket.nio.NioSocketChannel();
                group.register(ch).syncUninterruptibly();
                channels.add(ch);
            }
            assertEquals(List.of(3, 2, 2), java.util.Arrays.stream(group.connections()).boxed().toList());
            Channel onSecond = channels.stream().filter(c -> c.eventLoop() == channels.get(1).eventLoop())
                    .findFirst().orElseThrow();
            onSecond.close().syncUninterruptibly();
            int[] after = group.connections();
            assertEquals(6, after[0] + after[1] + after[2]);
            Channel next = transport.kind() == Transport.Kind.EPOLL ? new io.netty.channel.epoll.EpollSocketChannel()
                    : new io.netty.channel.socket.nio.NioSocketChannel();
            group.register(next).syncUninterruptibly();
            channels.add(next);
            assertSame(channels.get(1).eventLoop(), next.eventLoop(), "the worker that lost a connection gets the next");
        } finally {
            for (Channel ch : channels) {
                ch.close().syncUninterruptibly();
            }
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
