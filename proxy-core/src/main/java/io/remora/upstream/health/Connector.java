package io.remora.upstream.health;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.unix.DomainSocketAddress;
import io.remora.upstream.Host;

/** Opens health check connections on the upstream loop. */
final class Connector {
    private Connector() {
    }

    static ChannelFuture connect(HealthChecker checker, Host host, ChannelHandler handler) {
        boolean unix = host.address() instanceof DomainSocketAddress;
        var transport = checker.runtime.transport();
        Bootstrap b = new Bootstrap().group(checker.loop)
                .channel(unix ? transport.domainSocketChannel() : transport.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                        (int) Math.max(1, Math.min(Integer.MAX_VALUE, checker.config.timeout().toMillis())))
                .handler(handler);
        if (!unix) {
            b.option(ChannelOption.TCP_NODELAY, true);
        }
        return b.connect(host.address());
    }
}
