package io.remora.server;

import static io.remora.tcp.TestNet.serverConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.remora.config.Address;
import io.remora.config.FilterChainConfig;
import io.remora.config.FilterChainMatch;
import io.remora.config.ListenerConfig;
import io.remora.network.NetworkFilter;
import io.remora.network.NetworkFilterFactory;
import io.remora.stats.StatsRegistry;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Listener init targets (Envoy's listener init manager): a listener whose filters registered one
 * warms until all are ready. A filter here answers its id and closes; ids starting with "gated"
 * register a target the test readies.
 */
class ListenerWarmingTest {

    record Greet(String id) implements io.remora.config.NetworkFilterConfig {
        @Override
        public String filterName() {
            return "greet";
        }
    }

    private final Map<String, Runnable> targets = new ConcurrentHashMap<>();
    private Server server;

    @AfterEach
    void tearDown() {
        server.close();
    }

    private Server newServer() {
        NetworkFilterFactory<Greet> greet = new NetworkFilterFactory<>() {
            @Override
            public Class<Greet> configType() {
                return Greet.class;
            }

            @Override
            public NetworkFilter create(Greet config, ServerContext context) {
                if (config.id().startsWith("gated")) {
                    targets.put(config.id(), context.initTarget("target of " + config.id()));
                }
                return (downstream, info) -> downstream.writeAndFlush(
                        Unpooled.copiedBuffer(config.id(), StandardCharsets.US_ASCII))
                        .addListener(ChannelFutureListener.CLOSE);
            }
        };
        server = new Server(new ServerOptions(2, Transport.detect(), Duration.ofSeconds(5), Duration.ofSeconds(1),
                io.remora.server.DrainStrategy.IMMEDIATE),
                new StatsRegistry(), List.of(greet));
        return server;
    }

    private static ListenerConfig listener(String name, int port, String filterId) {
        return new ListenerConfig(name, new Address.Tcp("127.0.0.1", port), null,
                ListenerConfig.TrafficDirection.UNSPECIFIED, List.of(),
                List.of(new FilterChainConfig("c", FilterChainMatch.ANY, List.of(new Greet(filterId)), null)),
                null, false, false, true, Duration.ofSeconds(15), 1 << 20);
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String greeting(int port) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    private static void awaitGreeting(int port, String expected) throws InterruptedException {
        TcpProxyTestSupport.waitFor(() -> {
            try {
                return expected.equals(greeting(port));
            } catch (Exception notYet) {
                return false;
            }
        });
    }

    private void ready(String id) {
        targets.remove(id).run();
    }

    @Test
    void aListenerAddedByAnUpdateIsNotListenedOnUntilItsTargetsAreReady() throws Exception {
        Server s = newServer();
        s.start(serverConfig(List.of(listener("plain", 0, "plain")), List.of()));
        int port = freePort();
        s.update(serverConfig(List.of(listener("plain", 0, "plain"), listener("w", port, "gated-w")), List.of()));
        assertNull(s.boundAddress("w"));
        assertThrows(ConnectException.class, () -> greeting(port));
        CompletableFuture<Void> warmed = s.listenersWarmed();
        assertFalse(warmed.isDone());
        assertEquals(Map.of("init manager Listener-local-init-manager w", List.of("target of gated-w")),
                s.unreadyListenerTargets());
        assertEquals(List.of("plain"), List.copyOf(s.boundAddresses().keySet()));

        ready("gated-w");
        awaitGreeting(port, "gated-w");
        warmed.get();
        assertEquals(List.of("plain", "w"), List.copyOf(s.boundAddresses().keySet()));
        assertEquals(Map.of(), s.unreadyListenerTargets());
    }

    @Test
    void aChangedListenerKeepsServingWithItsOldFiltersUntilTheNewAreReady() throws Exception {
        Server s = newServer();
        s.start(serverConfig(List.of(listener("l", 0, "v1")), List.of()));
        int port = ((InetSocketAddress) s.boundAddress("l")).getPort();
        s.update(serverConfig(List.of(listener("l", 0, "gated-v2")), List.of()));
        assertEquals("v1", greeting(port));
        ready("gated-v2");
        awaitGreeting(port, "gated-v2");
        assertEquals(port, ((InetSocketAddress) s.boundAddress("l")).getPort());
    }

    @Test
    void theFirstConfigsListenersAllWaitForEveryTarget() throws Exception {
        Server s = newServer();
        int port = freePort();
        s.start(serverConfig(List.of(listener("plain", port, "plain"), listener("g", 0, "gated-g")), List.of()));
        // Envoy's server init: no listener listens until every static listener's targets are ready
        assertNull(s.boundAddress("plain"));
        assertThrows(ConnectException.class, () -> greeting(port));
        CompletableFuture<Void> warmed = s.listenersWarmed();
        ready("gated-g");
        warmed.get();
        assertEquals("plain", greeting(port));
        assertEquals("gated-g", greeting(((InetSocketAddress) s.boundAddress("g")).getPort()));
        assertTrue(s.listenersWarmed().isDone());
    }

    @Test
    void aWarmingListenerReplacedBeforeItsTargetsAreReadyNeverServes() throws Exception {
        Server s = newServer();
        s.start(serverConfig(List.of(), List.of()));
        int port = freePort();
        s.update(serverConfig(List.of(listener("w", port, "gated-1")), List.of()));
        CompletableFuture<Void> first = s.listenersWarmed();
        s.update(serverConfig(List.of(listener("w", port, "gated-2")), List.of()));
        assertTrue(first.isDone(), "the replaced one settled");
        ready("gated-1");
        Thread.sleep(200);
        assertNull(s.boundAddress("w"));
        ready("gated-2");
        awaitGreeting(port, "gated-2");
    }
}
