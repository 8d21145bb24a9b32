package io.remora.e2e;

import io.remora.testing.TestCerts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The RBAC extensions on real peers: the mtls_authenticated principal over a real mutual TLS
 * handshake (a client certificate's URI SAN, any validated certificate, a TLS client without one),
 * every decision audited to the proxy's stdout by the HTTP and the network filter, and the
 * upstream_ip_port matcher reading the address the dynamic forward proxy resolved.
 */
class RbacExtensionsE2ETest {

    static final String STDOUT_LOGGER = "{ audit_logger: { name: stdout, typed_config: { \"@type\":"
            + " type.googleapis.com/envoy.extensions.rbac.audit_loggers.stream.v3.StdoutAuditLog } } }";

    @TempDir
    Path dir;

    /** An RBAC filter ("http" or "network") with these typed_config fields (YAML, unindented). */
    static String rbacFilter(String kind, String fields) {
        return "- name: envoy.filters." + kind + ".rbac\n  typed_config:\n    \"@type\": type.googleapis.com/envoy"
                + ".extensions.filters." + kind + ".rbac.v3.RBAC\n" + fields.indent(4);
    }

    static String mtls(String fields) {
        return "{ custom: { name: envoy.rbac.principals.mtls_authenticated, typed_config: { \"@type\":"
                + " type.googleapis.com/envoy.extensions.rbac.principals.mtls_authenticated.v3.Config, " + fields
                + " } } }";
    }

    static HttpResponse<String> get(SSLContext tls, int port, String path) throws Exception {
        HttpClient c = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build();
        return c.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static String audit(String rpcMethod, String principal, String policyName, String rule, boolean authorized) {
        return ",\"rpc_method\":\"" + rpcMethod + "\",\"principal\":\"" + principal + "\",\"policy_name\":\""
                + policyName + "\",\"matched_rule\":\"" + rule + "\",\"authorized\":" + authorized + "}}";
    }

    static long count(List<String> lines, String entry) {
        return lines.stream().filter(l -> l.startsWith("{\"grpc_audit_log\":{\"timestamp\":\"") && l.endsWith(entry))
                .count();
    }

    @Test
    void mtlsAuthenticatedDecidesAndEveryDecisionIsAudited() throws Exception {
        TestCerts.Ca ca = TestCerts.ca("mesh-ca");
        ca.issue("server", "spiffe://cluster.local/ns/default/sa/server", "127.0.0.1").write(dir, "server");
        TestCerts.Leaf sleep = ca.issue("sleep", RbacMtlsE2ETest.SLEEP);
        TestCerts.Leaf other = ca.issue("other", RbacMtlsE2ETest.OTHER);
        try (TestUpstream backend = TestUpstream.text("app")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String network = rbacFilter("network", """
                    stat_prefix: audited.
                    rules:
                      action: DENY
                      policies:
                        never: { permissions: [{ destination_port: 1 }], principals: [{ any: true }] }
                      audit_logging_options: { audit_condition: ON_ALLOW, logger_configs: [%s] }
                    """.formatted(STDOUT_LOGGER));
            String http = rbacFilter("http", """
                    rules:
                      action: ALLOW
                      policies:
                        sleep-only:
                          permissions: [{ any: true }]
                          principals: [%s]
                        any-cert:
                          permissions: [{ url_path: { path: { prefix: /any } } }]
                          principals: [%s]
                      audit_logging_options: { audit_condition: ON_DENY_AND_ALLOW, logger_configs: [%s] }
                    """.formatted(mtls("san_matcher: { san_type: URI, matcher: { exact: \"" + RbacMtlsE2ETest.SLEEP
                    + "\" } }"), mtls("any_validated_client_certificate: true"), STDOUT_LOGGER));
            String yaml = Bootstraps.http(admin, port, dir.resolve("access.log").toString(),
                    "- match: { prefix: / }\n  route: { cluster: app }",
                    Bootstraps.cluster("app", false, null, backend.port()), network, http);
            // The listener asks for a client certificate without requiring one.
            String tls = RbacMtlsE2ETest.tls(dir).replace("require_client_certificate: true",
                    "require_client_certificate: false");
            yaml = yaml.replace("    filter_chains:\n    - filters:\n", "    filter_chains:\n    - "
                    + tls.indent(6).stripLeading() + "      filters:\n");
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin, List.of("-Xmx256m", "-XX:TieredStopAtLevel=1",
                    "-XX:+UseSerialGC"))) {
                HttpResponse<String> r = get(RbacMtlsE2ETest.client(sleep, ca), port, "/x");
                assertEquals(200, r.statusCode(), r.body());
                assertEquals("app", r.body());
                // Validated, but its SAN is not sleep's: only the any-cert policy's paths let it through.
                assertEquals(403, get(RbacMtlsE2ETest.client(other, ca), port, "/x").statusCode());
                assertEquals(200, get(RbacMtlsE2ETest.client(other, ca), port, "/any/y").statusCode());
                // TLS without a client certificate is not authenticated.
                HttpResponse<String> plain = get(RbacMtlsE2ETest.client(null, ca), port, "/any/y");
                assertEquals(403, plain.statusCode());
                assertEquals("RBAC: access denied", plain.body());

                String h = "envoy.filters.http.rbac";
                String n = "envoy.filters.network.rbac";
                List<String> lines = LogFiles.await(proxy.dir().resolve("proxy.log"),
                        l -> count(l, audit("", "", n, "", true)) >= 1 && l.stream().filter(
                                x -> x.startsWith("{\"grpc_audit_log\"")).count() >= 8);
                assertEquals(1, count(lines, audit("/x", RbacMtlsE2ETest.SLEEP, h, "sleep-only", true)), lines::toString);
                assertEquals(1, count(lines, audit("/x", RbacMtlsE2ETest.OTHER, h, "", false)), lines::toString);
                assertEquals(1, count(lines, audit("/any/y", RbacMtlsE2ETest.OTHER, h, "any-cert", true)),
                        lines::toString);
                assertEquals(1, count(lines, audit("/any/y", "", h, "", false)), lines::toString);
                // One line per connection from the network filter: no method, the peer's identity if any.
                assertEquals(1, count(lines, audit("", RbacMtlsE2ETest.SLEEP, n, "", true)), lines::toString);
                assertEquals(2, count(lines, audit("", RbacMtlsE2ETest.OTHER, n, "", true)), lines::toString);
                assertEquals(1, count(lines, audit("", "", n, "", true)), lines::toString);
                assertEquals(2.0, proxy.metric("envoy_http_rbac_allowed{envoy_http_conn_manager_prefix=\"ingress\"}"));
                assertEquals(2.0, proxy.metric("envoy_http_rbac_denied{envoy_http_conn_manager_prefix=\"ingress\"}"));
            }
        }
    }

    @Test
    void upstreamIpPortMatchesTheAddressTheForwardProxyResolved() throws Exception {
        Path hosts = io.remora.testing.TempPaths.file("hosts", ".txt");
        java.nio.file.Files.writeString(hosts, "127.0.0.1 app.remora.test\n");
        try (TestUpstream blocked = TestUpstream.text("blocked");
             TestUpstream open = TestUpstream.text("open")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String cache = DynamicForwardProxyE2ETest.CACHE;
            String filters = DynamicForwardProxyE2ETest.httpFilter(cache + "\nsave_upstream_address: true")
                    + rbacFilter("http", """
                    rules:
                      action: DENY
                      policies:
                        no-blocked-port:
                          permissions:
                          - matcher:
                              name: envoy.rbac.matchers.upstream_ip_port
                              typed_config:
                                "@type": type.googleapis.com/envoy.extensions.rbac.matchers.upstream_ip_port.v3.UpstreamIpPortMatcher
                                upstream_ip: { address_prefix: 127.0.0.0, prefix_len: 8 }
                                upstream_port_range: { start: %d, end: %d }
                          principals: [{ any: true }]
                    """.formatted(blocked.port(), blocked.port()));
            Path accessLog = dir.resolve("dfp.log");
            String yaml = Bootstraps.logFormat(Bootstraps.http(admin, port, accessLog.toString(),
                    "- match: { prefix: / }\n  route: { cluster: dfp }",
                    DynamicForwardProxyE2ETest.dfpCluster(cache, ""), "", filters), accessLog,
                    "%RESPONSE_CODE% %RESPONSE_CODE_DETAILS% %FILTER_STATE(envoy.stream.upstream_address:PLAIN)%");
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin, List.of("-Djdk.net.hosts.file=" + hosts))) {
                String base = "http://127.0.0.1:" + port + "/";
                Curl denied = Curl.run("-H", "Host: app.remora.test:" + blocked.port(), base);
                assertEquals(403, denied.status(), denied.text());
                assertEquals("RBAC: access denied", denied.text());
                Curl allowed = Curl.run("-H", "Host: app.remora.test:" + open.port(), base);
                assertEquals(200, allowed.status(), allowed.text());
                assertEquals("open", allowed.text());
                List<String> lines = LogFiles.await(accessLog, 2);
                assertEquals("403 rbac_access_denied_matched_policy[no-blocked-port] 127.0.0.1:" + blocked.port(),
                        lines.get(0));
                assertEquals("200 via_upstream 127.0.0.1:" + open.port(), lines.get(1));
            }
        }
    }
}
