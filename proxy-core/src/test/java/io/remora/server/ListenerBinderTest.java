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
}
