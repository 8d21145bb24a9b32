package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A STRICT_DNS cluster follows its name's answer at every dns_refresh_rate, as Envoy's does: the
 * proxy JVM caches no getaddrinfo lookups (its default would keep an answer 30 s). The cluster asks
 * the getaddrinfo resolver, and the name is served from a hosts file ({@code jdk.net.hosts.file})
 * that the test rewrites to point at another address;
 * two greeters on 127.0.0.1 and 127.0.0.2, same port, tell which one a connection reached.
 */
class DnsRefreshE2ETest {

    static ServerSocket greeter(String ip, int port, String greeting) throws Exception {
        ServerSocket s = new ServerSocket();
        s.bind(new InetSocketAddress(InetAddress.getByName(ip), port));
        Thread t = new Thread(() -> {
            while (!s.isClosed()) {
                try (Socket c = s.accept()) {
                    c.getOutputStream().write((greeting + "\n").getBytes(StandardCharsets.US_ASCII));
                    c.getOutputStream().flush();
                } catch (Exception e) {
                    // next connection, or closed
                }
            }
        }, "greeter-" + ip);
        t.setDaemon(true);
        t.start();
        return s;
    }

    static String greeting(int port) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5_000);
            InputStream in = s.getInputStream();
            StringBuilder sb = new StringBuilder();
            for (int c; (c = in.read()) >= 0 && c != '\n'; ) {
                sb.append((char) c);
            }
            return sb.toString();
        }
    }

    static void pointAt(Path hosts, String ip, long stamp) throws Exception {
        Files.writeString(hosts, ip + " svc.remora.test\n");
        // The JDK re-reads a hosts file whose modification time moved.
        Files.setLastModifiedTime(hosts, FileTime.fromMillis(stamp));
    }

    @Test
    void aNewAnswerIsUsedAtTheNextRefresh() throws Exception {
        int port = ProxyProcess.freePort();
        Path hosts = TempPaths.file("hosts", ".txt");
        long now = System.currentTimeMillis();
        pointAt(hosts, "127.0.0.1", now - 60_000);
        try (ServerSocket one = greeter("127.0.0.1", port, "one"); ServerSocket two = greeter("127.0.0.2", port, "two")) {
            int admin = ProxyProcess.freePort();
            int listener = ProxyProcess.freePort();
            String yaml = Bootstraps.listeners(admin, Bootstraps.tcpListener("tcp", "svc"), """
                    - name: svc
                      type: STRICT_DNS
                      dns_refresh_rate: 0.2s
                      dns_lookup_family: V4_ONLY
                      connect_timeout: 1s
                      typed_dns_resolver_config:
                        name: envoy.network.dns_resolver.getaddrinfo
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.network.dns_resolver.getaddrinfo.v3.GetAddrInfoDnsResolverConfig
                      load_assignment:
                        cluster_name: svc
                        endpoints:
                        - lb_endpoints:
                          - endpoint: { address: { socket_address: { address: svc.remora.test, port_value: PORT } } }
                    """.replace("PORT", String.valueOf(port)), Map.of("tcp", listener));
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin, List.of("-Djdk.net.hosts.file=" + hosts))) {
                assertEquals("one", greeting(listener));
                pointAt(hosts, "127.0.0.2", now);
                String got = "";
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (!got.equals("two") && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                    got = greeting(listener);
                }
                assertEquals("two", got, "the cluster follows the new answer within a few refreshes, not 30 s");
            }
        }
    }
}
