package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dynamic forward proxy as Envoy's docs configure it: the HTTP filter and the
 * {@code envoy.clusters.dynamic_forward_proxy} cluster sharing one DNS cache. Names come from
 * {@link TestDnsServer} (and localhost from /etc/hosts, which c-ares reads first) or from a hosts
 * file ({@code jdk.net.hosts.file}) through the getaddrinfo resolver, so nothing leaves loopback:
 * a request goes where its Host resolves (port from the Host), a per-route host_rewrite_literal is
 * looked up instead, a name that does not resolve is 503 DF, a route to another cluster is left
 * alone, and the cache's stats count it all, its names going once unused for host_ttl.
 */
class DynamicForwardProxyE2ETest {

    @TempDir
    Path dir;

    static final String CACHE = cache("name: dfp_cache, dns_lookup_family: V4_ONLY, host_ttl: 1s,"
            + " dns_refresh_rate: 1s, dns_min_refresh_rate: 1s");

    /**
     * A dns_cache_config (a YAML flow map) of these fields that asks getaddrinfo, which reads
     * {@code jdk.net.hosts.file} (without a resolver the cache would ask c-ares' name servers).
     */
    static String cache(String fields) {
        return "{ " + fields + ", typed_dns_resolver_config: { name: envoy.network.dns_resolver.getaddrinfo,"
                + " typed_config: { \"@type\": type.googleapis.com/envoy.extensions.network.dns_resolver.getaddrinfo.v3"
                + ".GetAddrInfoDnsResolverConfig } } }";
    }

    /** Cluster dfp over the cache {@code cache} (a YAML flow map), with more cluster fields (YAML, unindented). */
    static String dfpCluster(String cache, String fields) {
        return """
                - name: dfp
                  connect_timeout: 1s
                  lb_policy: CLUSTER_PROVIDED
                  cluster_type:
                    name: envoy.clusters.dynamic_forward_proxy
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.clusters.dynamic_forward_proxy.v3.ClusterConfig
                      dns_cache_config: %s
                """.formatted(cache) + fields.indent(2);
    }

    /** The HTTP filter over the cache {@code cacheAndFields} (the dns_cache_config value, then any other fields' lines). */
    static String httpFilter(String cacheAndFields) {
        return """
                - name: envoy.filters.http.dynamic_forward_proxy
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.dynamic_forward_proxy.v3.FilterConfig
                    dns_cache_config:""" + " " + cacheAndFields.indent(4).stripLeading();
    }

    @Test
    void requestsGoWhereTheirHostResolves() throws Exception {
        // A 1 s TTL: the name is looked up again (and dropped, once unused) within the test.
        try (TestDnsServer dns = TestDnsServer.start().answer("app.remora.test", 1, "127.0.0.1");
             TestUpstream upstream = TestUpstream.start((ctx, req, n) ->
                TestUpstream.send(ctx, req, 200, "host=" + req.headers().get("Host")));
             TestUpstream plain = TestUpstream.text("plain")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            Path accessLog = dir.resolve("access.log");
            String routes = """
                    - match: { prefix: /plain }
                      route: { cluster: plain }
                    - match: { prefix: /rewrite }
                      route: { cluster: dfp }
                      typed_per_filter_config:
                        envoy.filters.http.dynamic_forward_proxy:
                          "@type": type.googleapis.com/envoy.extensions.filters.http.dynamic_forward_proxy.v3.PerRouteConfig
                          host_rewrite_literal: app.remora.test:%d
                    - match: { prefix: / }
                      route: { cluster: dfp }
                    """.formatted(upstream.port());
            String cache = "{ name: dfp_cache, dns_lookup_family: V4_ONLY, host_ttl: 1s, dns_refresh_rate: 1s,"
                    + " dns_min_refresh_rate: 1s, " + dns.caresResolverFlow() + " }";
            String clusters = dfpCluster(cache, "") + Bootstraps.cluster("plain", false, "", plain.port());
            String filter = httpFilter(cache + "\nsave_upstream_address: true");
            String yaml = Bootstraps.logFormat(Bootstraps.http(admin, port, accessLog.toString(), routes, clusters,
                    "", filter), accessLog, "%RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS%"
                    + " %FILTER_STATE(envoy.stream.upstream_address:PLAIN)%");
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                String base = "http://127.0.0.1:" + port;
                String app = "app.remora.test:" + upstream.port();
                Curl first = Curl.run("-H", "Host: " + app, base + "/a");
                assertEquals(200, first.status(), first.text());
                assertEquals("host=" + app, first.text());
                Curl local = Curl.run("-H", "Host: localhost:" + upstream.port(), base + "/b");
                assertEquals(200, local.status(), local.text());
                assertEquals("host=localhost:" + upstream.port(), local.text());
                // The rewritten host is looked up and sent; the request's own is not.
                Curl rewritten = Curl.run("-H", "Host: nowhere.remora.test", base + "/rewrite");
                assertEquals(200, rewritten.status(), rewritten.text());
                assertEquals("host=" + app, rewritten.text());

                Curl missing = Curl.run("-H", "Host: missing.remora.test:" + upstream.port(), base + "/c");
                assertEquals(503, missing.status());
                assertEquals("DNS resolution failure", missing.text());
                // Not a dynamic forward proxy cluster: nothing is looked up.
                assertEquals("plain", Curl.run("-H", "Host: elsewhere.remora.test", base + "/plain").text());

                List<String> lines = LogFiles.await(accessLog, 5);
                assertEquals("200 - via_upstream 127.0.0.1:" + upstream.port(), lines.get(0));
                assertEquals("200 - via_upstream 127.0.0.1:" + upstream.port(), lines.get(1));
                assertEquals("200 - via_upstream 127.0.0.1:" + upstream.port(), lines.get(2));
                assertTrue(lines.get(3).startsWith("503 DF dns_resolution_failure{"), lines.get(3));
                assertEquals("200 - via_upstream -", lines.get(4));

                String stats = proxy.admin("/stats");
                assertTrue(stats.contains("dns_cache.dfp_cache.host_added: 3\n"), stats);
                assertTrue(stats.contains("dns_cache.dfp_cache.dns_query_failure: 1\n"), stats);
                assertTrue(stats.contains("dns_cache.dfp_cache.dns_rq_pending_overflow: 0\n"), stats);
                assertEquals(3, upstream.requests.get());
                // host_ttl: every name goes at a refresh once unused for a second.
                long deadline = System.nanoTime() + 20_000_000_000L;
                // Both: /stats may show the gauge's drop before the counter's rise.
                while (!(stats.contains("dns_cache.dfp_cache.num_hosts: 0\n")
                        && stats.contains("dns_cache.dfp_cache.host_removed: 3\n")) && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                    stats = proxy.admin("/stats");
                }
                assertTrue(stats.contains("dns_cache.dfp_cache.num_hosts: 0\n"), stats);
                assertTrue(stats.contains("dns_cache.dfp_cache.host_removed: 3\n"), stats);
            }
        }
    }

    /**
     * Over TLS, with no upstream_http_protocol_options: Envoy's cluster factory turns auto_sni and
     * auto_san_validation on, so the looked-up name is the SNI and must be in the certificate.
     */
    @Test
    void tlsSendsTheHostAsSniAndChecksItsSan() throws Exception {
        Path hosts = TempPaths.file("hosts", ".txt");
        Files.writeString(hosts, "127.0.0.1 a.example.com\n127.0.0.1 b.other.test\n");
        io.remora.testing.TestCerts.Ca ca = io.remora.testing.TestCerts.ca("dfp-ca");
        io.remora.testing.TestCerts.Leaf leaf = ca.issue("upstream", "a.example.com");
        try (TestUpstream upstream = TestUpstream.startTlsEchoingSni(leaf)) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            Path accessLog = dir.resolve("tls.log");
            String cache = cache("name: tls_cache, dns_lookup_family: V4_ONLY");
            String clusters = dfpCluster(cache, """
                    transport_socket:
                      name: envoy.transport_sockets.tls
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                        common_tls_context:
                          validation_context: { trusted_ca: { inline_string: "%s" } }
                    """.formatted(ca.pem().replace("\n", "\\n")));
            String filter = httpFilter(cache);
            String yaml = Bootstraps.http(admin, port, accessLog.toString(), "- match: { prefix: / }\n"
                    + "  route: { cluster: dfp }\n", clusters, "", filter);
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin, List.of("-Djdk.net.hosts.file=" + hosts))) {
                String base = "http://127.0.0.1:" + port;
                Curl ok = Curl.run("-H", "Host: a.example.com:" + upstream.port(), base + "/a");
                assertEquals(200, ok.status(), ok.text());
                assertEquals("sni=a.example.com", ok.text());
                // Resolves to the same upstream, whose certificate does not name it.
                Curl other = Curl.run("-H", "Host: b.other.test:" + upstream.port(), base + "/b");
                assertEquals(503, other.status(), other.text());
                assertTrue(upstream.serverNames.contains("b.other.test"), upstream.serverNames.toString());
                assertEquals(1.0, proxy.metric("envoy_cluster_ssl_fail_verify_san{envoy_cluster_name=\"dfp\"}"));
            }
        }
    }
}
