package io.remora.server;

import static io.remora.tcp.TestNet.chain;
import static io.remora.tcp.TestNet.serverConfig;
import static io.remora.tcp.TestNet.tcpProxy;
import static io.remora.upstream.TestClusters.ep;
import static io.remora.upstream.TestClusters.staticCluster;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.remora.config.Address;
import io.remora.config.ClusterConfig;
import io.remora.config.ClusterConfig.LbPolicy;
import io.remora.config.ClusterSpecifier;
import io.remora.config.FilterChainMatch;
import io.remora.config.ListenerConfig;
import io.remora.config.ServerConfig;
import io.remora.stats.StatsRegistry;
import io.remora.tcp.TcpProxyFactory;
import io.remora.tcp.TestNet;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A listener's additional addresses through updates: a changed filter chain reaches the
 * connections of every socket (new ones take it, old ones drain), use_original_dst finds the
 * listener at an additional address, and dropping an address closes its sockets.
 */
class AdditionalAddressesUpdateTest {
    private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    private TestNet.EchoServer echo(String greeting) {
        TestNet.EchoServer e = new TestNet.EchoServer(greeting);
        closeables.add(e);
        return e;
    }

    private static ListenerConfig dual(String cluster, List<Address> additional) {
        return ListenerConfig.builder("dual", new Address.Tcp("127.0.0.1", 0))
                .filterChains(List.of(chain("c-" + cluster, FilterChainMatch.ANY,
                        tcpProxy(new ClusterSpecifier.Single(cluster), Duration.ofHours(1), 1))))
                .additionalAddresses(additional)
                .build();
    }

    private static ServerConfig config(ListenerConfig l, List<ClusterConfig> clusters) {
        ServerConfig c = serverConfig(List.of(l), clusters);
        return new ServerConfig(c.node(), c.admin(), c.listeners(), c.clusters(), c.routeConfigs(),
                Duration.ofMillis(300));
    }

    private static String first(Socket s) throws Exception {
        InputStream in = s.getInputStream();
        int c = in.read();
        return c < 0 ? "EOF" : String.valueOf((char) c);
    }

    private static Socket open(String host, int port) throws Exception {
        Socket s = new Socket(host, port);
        s.setSoTimeout(10_000);
        return s;
    }

    @Test
    void updatesAndDrainsCoverEveryAddress() throws Exception {
        TestNet.EchoServer a = echo("A");
        TestNet.EchoServer b = echo("B");
        List<ClusterConfig> clusters = List.of(
                staticCluster("a", LbPolicy.ROUND_ROBIN, ep("127.0.0.1", a.port())),
                staticCluster("b", LbPolicy.ROUND_ROBIN, ep("127.0.0.1", b.port())));
        int second;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.2"))) {
            second = probe.getLocalPort();
        }
        List<Address> extra = List.of(new Address.Tcp("127.0.0.2", second));
        Server s = new Server(new ServerOptions(2, Transport.detect(), Duration.ofSeconds(5), Duration.ofSeconds(10),
                io.remora.server.DrainStrategy.IMMEDIATE),
                new StatsRegistry(), List.of(new TcpProxyFactory()));
        closeables.add(0, s);
        s.start(config(dual("a", extra), clusters));
        assertEquals("dual", s.listenerForOriginalDestination(new InetSocketAddress("127.0.0.2", second)).name());

        Socket old = open("127.0.0.2", second);
        assertEquals("A", first(old));
        // Same sockets, another chain: the additional address's new connections take it at once.
        s.update(config(dual("b", extra), clusters));
        try (Socket fresh = open("127.0.0.2", second)) {
            assertEquals("B", first(fresh));
        }
        // ...and the old chain's connection there is drained, then closed.
        assertEquals("EOF", first(old));
        old.close();

        // Without the additional address its sockets close; the main address still serves.
        s.update(config(dual("b", List.of()), clusters));
        TcpProxyTestSupport.waitFor(() -> {
            try {
                new Socket("127.0.0.2", second).close();
                return false;
            } catch (ConnectException refused) {
                return true;
            } catch (java.io.IOException other) {
                return false;
            }
        });
        try (Socket main = open("127.0.0.1", ((InetSocketAddress) s.boundAddress("dual")).getPort())) {
            assertEquals("B", first(main));
        }
    }
}
