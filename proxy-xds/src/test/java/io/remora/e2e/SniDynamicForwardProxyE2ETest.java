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
 * the filter, then tcp_proxy to the dynamic forward proxy cluster, whose DNS cache the HTTP
 * filter of another listener shares by its name. The proxy never terminates TLS: the client's
 * handshake reaches the upstream on loopback (which echoes the SNI it saw).
 */
class SniDynamicForwardProxyE2ETest {

    static final String CACHE = "{ name: shared_cache, dns_lookup_family: V4_ONLY }";

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
            String sni = """
                    - name: sni
                      address: { socket_address: { address: 127.0.0.1, port_value: ${sni} } }
                      listener_filters:
                      - name: envoy.filters.listener.tls_inspector
                        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector }
                      filter_chains:
                      - filters:
                        - name: envoy.filters.network.sni_dynamic_forward_proxy
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.filters.network.sni_dynamic_forward_proxy.v3.FilterConfig
                            port_value: %d
                            save_upstream_address: true
                            dns_cache_config: %s
                        - name: envoy.filters.network.tcp_proxy
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                            stat_prefix: sni
                            cluster: dfp
                            access_log:
                            - name: envoy.access_loggers.file
                              typed_config:
                                "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                                path: %s
                                log_format:
                                  text_format_source:
                                    inline_string: "tcp %%REQUESTED_SERVER_NAME%% %%FILTER_STATE(envoy.stream.upstream_address:PLAIN)%% %%UPSTREAM_HOST%% %%RESPONSE_FLAGS%%\\n"
                    """.formatted(tls.port(), CACHE, accessLog);
            String http = Bootstraps.httpListenerWithFilters("http",
                    DynamicForwardProxyE2ETest.httpFilter(CACHE), """
                    - match: { prefix: / }
                      route: { cluster: dfp }
                    """);
            int sniPort = ProxyProcess.freePort();
            int httpPort = ProxyProcess.freePort();
            String yaml = Bootstraps.listeners(admin, sni + http, DynamicForwardProxyE2ETest.dfpCluster(CACHE, ""),
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
                String none = HttpProxyE2ETest.awaitLogLine(accessLog, "tcp - ");
                assertEquals("tcp - - - UH", none);

                // The HTTP filter's cache of the same name is the same cache.
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
