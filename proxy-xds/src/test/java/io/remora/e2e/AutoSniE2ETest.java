package io.remora.e2e;

import io.remora.testing.TestCerts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code upstream_http_protocol_options} against a real HTTPS upstream that records the SNI of
 * each client hello: the request's Host becomes the SNI (port stripped, an IP address not),
 * {@code override_auto_sni_header} wins when present, a route's host rewrite is the name sent,
 * connections are pooled per name, and
 * {@code auto_san_validation} refuses a certificate without a SAN for the host (503, UF, as
 * Envoy's upstream connect failure) while a wildcard SAN passes.
 */
class AutoSniE2ETest {

    @TempDir
    Path dir;

    /** A TLS cluster (sni configured.example, verifying against {@code caPem}) with these upstream_http_protocol_options. */
    static String tlsCluster(String name, String upstreamOptions, String caPem, int port) {
        return tlsCluster(name, "", upstreamOptions, caPem, port);
    }

    /** As above, with more UpstreamTlsContext fields ({@code tlsFields}: YAML lines, unindented). */
    static String tlsCluster(String name, String tlsFields, String upstreamOptions, String caPem, int port) {
        return Bootstraps.cluster(name, false, """
                  transport_socket:
                    name: envoy.transport_sockets.tls
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                      sni: configured.example
                %s      common_tls_context:
                        validation_context: { trusted_ca: { inline_string: "%s" } }
                  typed_extension_protocol_options:
                    envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                      "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                      explicit_http_config: { http_protocol_options: {} }
                      upstream_http_protocol_options: %s
                """.formatted(tlsFields.isEmpty() ? "" : Bootstraps.indent(tlsFields, 6) + "\n", caPem.replace("\n", "\\n"), upstreamOptions), port);
    }

    @Test
    void sniFromHostPooledPerNameAndSanChecked() throws Exception {
        TestCerts.Ca ca = TestCerts.ca("auto-sni-ca");
        TestCerts.Leaf leaf = ca.issue("upstream", "a.example.com", "*.wild.example");
        try (TestUpstream upstream = TestUpstream.startTlsEchoingSni(leaf)) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            Path accessLog = dir.resolve("access.log");
            String routes = """
                    - match: { prefix: /auto }
                      route: { cluster: auto }
                    - match: { prefix: /sni }
                      route: { cluster: sni_only }
                    - match: { prefix: /literal }
                      route: { cluster: sni_only, host_rewrite_literal: literal.example }
                    - match: { prefix: /header }
                      route: { cluster: sni_only, host_rewrite_header: x-rewrite }
                    - match: { prefix: /regex }
                      route:
                        cluster: sni_only
                        host_rewrite_path_regex: { pattern: { regex: "^/regex/([a-z]+)$" }, substitution: '\\1.regex.example' }
                    """;
            String clusters = tlsCluster("auto", "{ auto_sni: true, auto_san_validation: true,"
                    + " override_auto_sni_header: x-sni }", ca.pem(), upstream.port())
                    + tlsCluster("sni_only", "{ auto_sni: true }", ca.pem(), upstream.port());
            try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.http(admin, port, accessLog.toString(), routes,
                    clusters), admin, List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"),
                    "--concurrency", "1")) { // one worker: one set of pools to count connections of
                String base = "http://127.0.0.1:" + port;
                Curl a = Curl.run("-H", "Host: a.example.com", base + "/auto/1");
                assertEquals(200, a.status(), a.text());
                assertEquals("sni=a.example.com", a.text());
                // The port goes, a wildcard SAN covers the name; a new name is a new connection.
                Curl wild = Curl.run("-H", "Host: x.wild.example:8443", base + "/auto/2");
                assertEquals(200, wild.status(), wild.text());
                assertEquals("sni=x.wild.example", wild.text());
                assertEquals(2, upstream.connections.get());
                // The same name again: the pooled connection made for it.
                assertEquals("sni=a.example.com", Curl.run("-H", "Host: a.example.com", base + "/auto/3").text());
                assertEquals(2, upstream.connections.get(), "connections: " + upstream.serverNames);

                // override_auto_sni_header names the server when present and not empty.
                Curl override = Curl.run("-H", "Host: b.example.com", "-H", "x-sni: a.example.com", base + "/auto/4");
                assertEquals("sni=a.example.com", override.text());
                Curl emptyOverride = Curl.run("-H", "Host: x.wild.example", "-H", "x-sni;", base + "/auto/5");
                assertEquals("sni=x.wild.example", emptyOverride.text());

                // auto_san_validation: the certificate has no SAN for b.example.com.
                Curl refused = Curl.run("-H", "Host: b.example.com", base + "/auto/mismatch");
                assertEquals(503, refused.status(), refused.text());
                assertTrue(refused.text().startsWith("upstream connect error or disconnect/reset before headers"),
                        refused.text());
                String line = HttpProxyE2ETest.awaitLogLine(accessLog, "/auto/mismatch");
                assertTrue(line.contains(" 503 UF "), line);
                assertTrue(upstream.serverNames.contains("b.example.com"), upstream.serverNames.toString());
                assertEquals(1.0, proxy.metric("envoy_cluster_ssl_fail_verify_san{envoy_cluster_name=\"auto\"}"));

                // auto_sni alone: any host is sent, the certificate's SANs are not asked about.
                Curl sniOnly = Curl.run("-H", "Host: b.example.com", base + "/sni/1");
                assertEquals(200, sniOnly.status(), sniOnly.text());
                assertEquals("sni=b.example.com", sniOnly.text());
                // An IP address is no server name: the transport socket's sni stays.
                assertEquals("sni=configured.example", Curl.run("-H", "Host: 127.0.0.1:" + port,
                        base + "/sni/2").text());

                // As Envoy's router (getRequestHostValue, auto_sni_integration_test's host rewrite
                // cases): the host the route's rewrite gives, literal, from a header or by regex.
                assertEquals("sni=literal.example", Curl.run("-H", "Host: b.example.com", base + "/literal").text());
                assertEquals("sni=from.header.example", Curl.run("-H", "Host: b.example.com",
                        "-H", "x-rewrite: from.header.example", base + "/header").text());
                assertEquals("sni=abc.regex.example", Curl.run("-H", "Host: b.example.com", base + "/regex/abc").text());
            }
        }
    }

    /** {@code cluster}'s endpoint with this {@code hostname} ("" for none). */
    static String withHostname(String cluster, String hostname) {
        return cluster.replace("- endpoint: { address:", "- endpoint: { hostname: \"" + hostname + "\", address:");
    }

    /**
     * The UpstreamTlsContext's own naming (Envoy's ssl_upstream_integration_test): auto_host_sni sends
     * the endpoint's hostname (the configured sni when it has none), auto_sni_san_validation then wants a
     * DNS SAN for the name sent (503 UF and ssl.fail_verify_san without one).
     */
    @Test
    void hostnameAsSniAndItsSanChecked() throws Exception {
        TestCerts.Ca ca = TestCerts.ca("host-sni-ca");
        TestCerts.Leaf leaf = ca.issue("upstream", "*.wild.example");
        try (TestUpstream upstream = TestUpstream.startTlsEchoingSni(leaf)) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            Path accessLog = dir.resolve("access.log");
            String routes = """
                    - match: { prefix: /host }
                      route: { cluster: host_sni }
                    - match: { prefix: /nohost }
                      route: { cluster: no_hostname }
                    - match: { prefix: /checked }
                      route: { cluster: checked }
                    - match: { prefix: /mismatch }
                      route: { cluster: mismatch }
                    """;
            String bothChecks = "auto_host_sni: true\nauto_sni_san_validation: true\n";
            String clusters = withHostname(tlsCluster("host_sni", "auto_host_sni: true\n", "{}", ca.pem(),
                    upstream.port()), "h.wild.example")
                    + withHostname(tlsCluster("no_hostname", "auto_host_sni: true\n", "{}", ca.pem(), upstream.port()), "")
                    + withHostname(tlsCluster("checked", bothChecks, "{}", ca.pem(), upstream.port()), "c.wild.example")
                    + withHostname(tlsCluster("mismatch", bothChecks, "{}", ca.pem(), upstream.port()), "other.example");
            try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.http(admin, port, accessLog.toString(), routes,
                    clusters), admin, List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"))) {
                String base = "http://127.0.0.1:" + port;
                assertEquals("sni=h.wild.example", Curl.run(base + "/host").text());
                assertEquals("sni=configured.example", Curl.run(base + "/nohost").text());
                Curl checked = Curl.run(base + "/checked");
                assertEquals(200, checked.status(), checked.text());
                assertEquals("sni=c.wild.example", checked.text());
                Curl refused = Curl.run(base + "/mismatch");
                assertEquals(503, refused.status(), refused.text());
                assertTrue(HttpProxyE2ETest.awaitLogLine(accessLog, "/mismatch").contains(" 503 UF "));
                assertTrue(upstream.serverNames.contains("other.example"), upstream.serverNames.toString());
                assertEquals(1.0, proxy.metric("envoy_cluster_ssl_fail_verify_san{envoy_cluster_name=\"mismatch\"}"));
                assertEquals(0.0, proxy.metric("envoy_cluster_ssl_fail_verify_san{envoy_cluster_name=\"checked\"}"));
            }
        }
    }
}
