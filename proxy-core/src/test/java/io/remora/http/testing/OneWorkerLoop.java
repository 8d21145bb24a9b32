package io.remora.http.testing;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.remora.server.Transport;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one worker a test class drives its streams and pools on, shut down after the class; no ByteBuf
 * may be left unreleased by then.
 */
public final class OneWorkerLoop implements BeforeAllCallback, AfterAllCallback {
    private EventLoopGroup workers;
    private EventLoop loop;

    public EventLoop loop() {
        return loop;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        workers = Transport.detect().newEventLoopGroup(1, "worker");
        loop = workers.next();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        List<String> leaks = LeakCheck.leaks();
        assertTrue(leaks.isEmpty(), () -> "ByteBuf leaks: " + leaks);
    }
}
