package io.remora.e2e;

import io.remora.testing.TempPaths;
import io.remora.testing.TestCerts;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * envoy.filters.network.sni_dynamic_forward_proxy as Envoy's docs place it: tls_inspector, then
 * the filter, then tcp_proxy to the dynamic forward proxy cluster. Names come from a hosts file
 * ({@code jdk.net.hosts.file}). The proxy does not terminate TLS: the client's handshake reaches
 * the upstream on loopback, which answers with the SNI it saw.
 */
class SniDynamicForwardProxyE2ETest {

    /** Listener "sni": tls_inspector, the filter (port_value and dns_cache_config, then filterFields), tcp_proxy to dfp. */
    static String sniListener(int portValue, String cache, String filterFields, String proxyFields) {
        String filter = """
                - name: envoy.filters.network.sni_dynamic_forward_proxy
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.network.sni_dynamic_forward_proxy.v3.FilterConfig
                    port_value: %d
                    dns_cache_config: %s
                """.formatted(portValue, cache) + Bootstraps.indent(filterFields, 4);
        return Bootstraps.tcpListener("sni", Bootstraps.TLS_INSPECTOR, filter, "dfp", proxyFields);
    }

    /**
     * The SNI is looked up (port_value as the port) and the connection passes through to where it
     * resolves; an SNI that does not resolve leaves the cluster without a host and the connection
     * is closed.
     */
    @Test
    void sniIsLookedUpBeforeTcpProxy() throws Exception {
        Path hosts = TempPaths.file("hosts", ".txt");
        Files.writeString(hosts, "127.0.0.1 a.example.com\n");
        TestCerts.Leaf leaf = TestCerts.ca("sni-dfp-ca").issue("upstream", "a.example.com");
        try (TestUpstream upstream = TestUpstream.startTlsEchoingSni(leaf)) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String cache = DynamicForwardProxyE2ETest.cache("name: sni_cache, dns_lookup_family: V4_ONLY");
            String yaml = Bootstraps.listeners(admin, sniListener(upstream.port(), cache, "", ""),
                    DynamicForwardProxyE2ETest.dfpCluster(cache, ""), Map.of("sni", port));
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin, List.of("-Djdk.net.hosts.file=" + hosts))) {
                Curl ok = Curl.run("-k", "--resolve", "a.example.com:" + port + ":127.0.0.1",
                        "https://a.example.com:" + port + "/");
                assertEquals(200, ok.status(), ok.text());
                assertEquals("sni=a.example.com", ok.text());
                assertThrows(IOException.class, () -> Curl.run("-k",
                        "--resolve", "missing.remora.test:" + port + ":127.0.0.1", "https://missing.remora.test:" + port + "/"));
                String stats = proxy.admin("/stats");
                assertTrue(stats.contains("dns_cache.sni_cache.dns_query_success: 1\n"), stats);
                assertTrue(stats.contains("dns_cache.sni_cache.dns_query_failure: 1\n"), stats);
                assertTrue(stats.contains("cluster.dfp.upstream_cx_none_healthy: 1\n"), stats);
                assertEquals(1, upstream.connections.get());
            }
        }
    }

    /**
     * SNI localhost goes through with save_upstream_address in tcp_proxy's access log; a
     * connection without SNI is not looked up (the cluster then has no host: UH); the HTTP
     * filter of another listener shares the cache by its config.
     */
    @Test
    void sniLocalhostPassesThroughNoSniIsNotLookedUp() throws Exception {
        // localhost from a hosts file of our own, so the name resolves only to IPv4 loopback.
        Path hosts = TempPaths.file("hosts", ".txt");
        Files.writeString(hosts, "127.0.0.1 localhost\n");
        Path accessLog = TempPaths.file("sni-dfp-access", ".log");
        TestCerts.Leaf leaf = TestCerts.ca("sni-localhost-ca").issue("upstream", "localhost");
        try (TestUpstream tls = TestUpstream.startTlsEchoingSni(leaf);
             TestUpstream plain = TestUpstream.text("plain")) {
            int admin = ProxyProcess.freePort();
            int sniPort = ProxyProcess.freePort();
            int httpPort = ProxyProcess.freePort();
            String cache = DynamicForwardProxyE2ETest.cache("name: shared_cache, dns_lookup_family: V4_ONLY");
            String sni = sniListener(tls.port(), cache, "save_upstream_address: true",
                    Bootstraps.fileAccessLog(accessLog, "tcp %REQUESTED_SERVER_NAME%"
                            + " %FILTER_STATE(envoy.stream.upstream_address:PLAIN)% %UPSTREAM_HOST% %RESPONSE_FLAGS%"));
            String http = Bootstraps.httpListenerWithFilters("http", DynamicForwardProxyE2ETest.httpFilter(cache), """
                    - match: { prefix: / }
                      route: { cluster: dfp }
                    """);
            String yaml = Bootstraps.listeners(admin, sni + "\n" + http, DynamicForwardProxyE2ETest.dfpCluster(cache, ""),
                    Map.of("sni", sniPort, "http", httpPort));
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin, List.of("-Djdk.net.hosts.file=" + hosts),
                    "--file-flush-interval-msec", "100")) {
                Curl ok = Curl.run("-k", "--resolve", "localhost:" + sniPort + ":127.0.0.1",
                        "https://localhost:" + sniPort + "/");
                assertEquals(200, ok.status(), ok.text());
                assertEquals("sni=localhost", ok.text(), "the client's own handshake reached the upstream");
                String line = HttpProxyE2ETest.awaitLogLine(accessLog, "tcp localhost ");
                assertEquals("tcp localhost 127.0.0.1:" + tls.port() + " 127.0.0.1:" + tls.port() + " -", line,
                        "save_upstream_address");

                // An IP literal gets no SNI from curl: nothing to look up, so the cluster has no host.
                assertThrows(IOException.class, () -> Curl.run("-k", "https://127.0.0.1:" + sniPort + "/"));
                assertEquals("tcp - - - UH", HttpProxyE2ETest.awaitLogLine(accessLog, "tcp - "));

                Curl viaHttp = Curl.run("-H", "Host: localhost:" + plain.port(), "http://127.0.0.1:" + httpPort + "/");
                assertEquals("plain", viaHttp.text());

                String stats = proxy.admin("/stats");
                assertTrue(stats.contains("dns_cache.shared_cache.dns_query_attempt: 2\n"), stats);
                assertTrue(stats.contains("dns_cache.shared_cache.dns_query_success: 2\n"), stats);
                assertTrue(stats.contains("dns_cache.shared_cache.host_added: 2\n"), stats);
                assertTrue(stats.contains("dns_cache.shared_cache.num_hosts: 2\n"), stats);
                assertTrue(stats.contains("cluster.dfp.upstream_cx_none_healthy: 1\n"), stats);
                assertEquals(1, tls.connections.get(), "the SNI-less connection went nowhere");
            }
        }
    }
}
