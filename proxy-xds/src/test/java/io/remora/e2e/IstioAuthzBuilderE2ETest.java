package io.remora.e2e;

import io.remora.testing.TestCerts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Istio AuthorizationPolicies as istiod's authz builder compiles them (the shapes of
 * pilot/pkg/security/authz/builder/testdata: one RBAC filter per action, DENY before AUDIT before
 * ALLOW, policies named {@code ns[..]-policy[..]-rule[..]}, each permission and principal an
 * {@code andRules}/{@code andIds} of {@code orRules}/{@code orIds} and {@code notRule}/{@code notId},
 * in Istio's camelCase JSON with its deprecated header fields), enforced on real mutual TLS whose
 * peers carry SPIFFE URI SANs. What decides each request follows Envoy's RBAC matchers
 * (source/extensions/filters/common/rbac/matchers.cc): {@code authenticated} over the URI SANs,
 * then DNS SANs, then the subject ("" without a certificate); {@code remoteIp} the client the
 * connection manager trusts (the last x-forwarded-for entry without use_remote_address),
 * {@code directRemoteIp} the socket's peer; {@code requestedServerName} the SNI ("" without);
 * {@code urlPath} the path without its query.
 */
class IstioAuthzBuilderE2ETest {

    static final String BAR = "spiffe://cluster.local/ns/foo/sa/bar";
    static final String BAZ = "spiffe://cluster.local/ns/foo/sa/baz";
    static final String NS2 = "spiffe://td2/ns/ns2/sa/x";

    static TestUpstream backend;
    static ProxyProcess proxy;
    static int port;
    static Path accessLog;
    static TestCerts.Ca ca;
    static final Map<String, SSLContext> PEERS = new java.util.HashMap<>();

    /** DENY: DELETE from anyone; /api/ from anyone outside namespace foo (a {@code notPrincipals}-like notId). */
    static final String DENY = """
            - name: envoy.filters.http.rbac
              typed_config:
                '@type': type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
                rules:
                  action: DENY
                  policies:
                    ns[foo]-policy[deny-delete]-rule[0]:
                      permissions:
                      - andRules:
                          rules:
                          - orRules:
                              rules:
                              - header: { name: ':method', exactMatch: DELETE }
                      principals:
                      - andIds:
                          ids:
                          - any: true
                    ns[foo]-policy[deny-foreign]-rule[0]:
                      permissions:
                      - andRules:
                          rules:
                          - orRules:
                              rules:
                              - urlPath: { path: { prefix: /api/ } }
                      principals:
                      - andIds:
                          ids:
                          - notId:
                              orIds:
                                ids:
                                - authenticated:
                                    principalName:
                                      safeRegex: { googleRe2: {}, regex: .*/ns/foo/.* }
                shadowRulesStatPrefix: istio_dry_run_deny_
            """;

    /** AUDIT: Istio's AUDIT action is RBAC's LOG; /api/ is audited. */
    static final String AUDIT = """
            - name: envoy.filters.http.rbac
              typed_config:
                '@type': type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
                rules:
                  action: LOG
                  policies:
                    ns[foo]-policy[audit-api]-rule[0]:
                      permissions:
                      - andRules:
                          rules:
                          - orRules:
                              rules:
                              - urlPath: { path: { prefix: /api/ } }
                      principals:
                      - andIds:
                          ids:
                          - any: true
            """;

    /** ALLOW: the policies below; anything none of them matches is denied. */
    static final String ALLOW = """
            - name: envoy.filters.http.rbac
              typed_config:
                '@type': type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
                rules:
                  policies:
                    ns[foo]-policy[bar-get-api]-rule[0]:
                      permissions:
                      - andRules:
                          rules:
                          - orRules:
                              rules:
                              - header: { name: ':method', exactMatch: GET }
                          - orRules:
                              rules:
                              - urlPath: { path: { prefix: /api/ } }
                      principals:
                      - andIds:
                          ids:
                          - orIds:
                              ids:
                              - authenticated: { principalName: { exact: 'spiffe://cluster.local/ns/foo/sa/bar' } }
                    ns[foo]-policy[ns2-sni-port]-rule[0]:
                      permissions:
                      - andRules:
                          rules:
                          - orRules:
                              rules:
                              - destinationPort: PORT
                          - orRules:
                              rules:
                              - requestedServerName: { exact: localhost }
                      principals:
                      - andIds:
                          ids:
                          - orIds:
                              ids:
                              - authenticated: { principalName: { safeRegex: { googleRe2: {}, regex: .*/ns/ns2/.* } } }
                    ns[foo]-policy[remote-ip]-rule[0]:
                      permissions:
                      - andRules:
                          rules:
                          - orRules:
                              rules:
                              - urlPath: { path: { exact: /remote } }
                      principals:
                      - andIds:
                          ids:
                          - orIds:
                              ids:
                              - remoteIp: { addressPrefix: 1.2.3.4, prefixLen: 32 }
                          - notId:
                              orIds:
                                ids:
                                - directRemoteIp: { addressPrefix: 10.0.0.0, prefixLen: 8 }
                    ns[foo]-policy[request-principal]-rule[0]:
                      permissions:
                      - andRules:
                          rules:
                          - orRules:
                              rules:
                              - urlPath: { path: { exact: /jwt } }
                      principals:
                      - andIds:
                          ids:
                          - orIds:
                              ids:
                              - metadata:
                                  filter: istio_authn
                                  path: [ { key: request.auth.principal } ]
                                  value: { stringMatch: { exact: 'https://issuer.example/sub1' } }
                    ns[foo]-policy[any-peer]-rule[0]:
                      permissions:
                      - andRules:
                          rules:
                          - orRules:
                              rules:
                              - urlPath: { path: { exact: /any-peer } }
                      principals:
                      - andIds:
                          ids:
                          - orIds:
                              ids:
                              - authenticated: { principalName: { safeRegex: { googleRe2: {}, regex: .+ } } }
                    ns[foo]-policy[bar-wildcard-td]-rule[0]:
                      permissions:
                      - andRules:
                          rules:
                          - orRules:
                              rules:
                              - urlPath: { path: { exact: /td } }
                      principals:
                      - andIds:
                          ids:
                          - orIds:
                              ids:
                              - authenticated: { principalName: { safeRegex: { googleRe2: {}, regex: 'spiffe://.*/ns/foo/sa/bar' } } }
                shadowRulesStatPrefix: istio_dry_run_allow_
            """;

    /** What Istio's authn filter would leave for requestPrincipals; here from a test header. */
    static final String REQUEST_PRINCIPAL = """
            - name: envoy.filters.http.header_to_metadata
              typed_config:
                '@type': type.googleapis.com/envoy.extensions.filters.http.header_to_metadata.v3.Config
                request_rules:
                - header: x-test-request-principal
                  on_header_present: { metadata_namespace: istio_authn, key: request.auth.principal, type: STRING }
                  remove: true
            """;

    @BeforeAll
    static void start() throws Exception {
        Path dir = io.remora.testing.TempPaths.directory("istio-authz");
        ca = TestCerts.ca("istio-ca");
        ca.issue("server", "spiffe://cluster.local/ns/foo/sa/server", "localhost", "127.0.0.1").write(dir, "server");
        PEERS.put("bar", RbacMtlsE2ETest.client(ca.issue("bar", BAR), ca));
        PEERS.put("baz", RbacMtlsE2ETest.client(ca.issue("baz", BAZ), ca));
        PEERS.put("ns2", RbacMtlsE2ETest.client(ca.issue("ns2", NS2), ca));
        PEERS.put("none", RbacMtlsE2ETest.client(null, ca));
        backend = TestUpstream.text("app");
        accessLog = io.remora.testing.TempPaths.file("istio-authz", ".log");
        port = ProxyProcess.freePort();
        int admin = ProxyProcess.freePort();
        // The client certificate is asked for, not required: a peer without one reaches RBAC, as
        // under PERMISSIVE mTLS.
        String tls = Bootstraps.downstreamTls(dir, "server") + """
                      validation_context:
                        trusted_ca: { filename: "%s/server-ca.pem" }
                """.formatted(dir);
        String hcm = Bootstraps.fileAccessLog(accessLog,
                "%REQ(:METHOD)% %REQ(:PATH)% %RESPONSE_CODE% %RESPONSE_CODE_DETAILS% %DYNAMIC_METADATA(envoy.common:access_log_hint)%");
        String filters = REQUEST_PRINCIPAL + DENY + AUDIT + ALLOW.replace("PORT", String.valueOf(port));
        String listener = Bootstraps.httpListenerWithFilters("inbound", tls, hcm, filters,
                Bootstraps.catchAll("- match: { prefix: / }\n  route: { cluster: app }"));
        String yaml = Bootstraps.listeners(admin, listener, Bootstraps.cluster("app", false, null, backend.port()),
                Map.of("inbound", port));
        proxy = ProxyProcess.start(yaml, admin, List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"),
                "--file-flush-interval-msec", "100");
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    /** A request from {@code peer} to host ("127.0.0.1" sends no SNI, "localhost" does); the status. */
    static int send(String peer, String host, String method, String path, String... headers) throws Exception {
        HttpClient c = HttpClient.newBuilder().sslContext(PEERS.get(peer)).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://" + host + ":" + port + path))
                .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody());
        if (headers.length > 0) {
            b.headers(headers);
        }
        return c.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    static void logged(String line) throws Exception {
        for (int i = 0; i < 100 && !Files.readAllLines(accessLog).contains(line); i++) {
            Thread.sleep(50);
        }
        assertTrue(Files.readAllLines(accessLog).contains(line), line + " in " + Files.readString(accessLog));
    }

    /** principals exact (the SPIFFE URI SAN), method and url_path prefix, AND-ed; AUDIT marks the log. */
    @Test
    void exactPrincipalMethodAndPath() throws Exception {
        assertEquals(200, send("bar", "127.0.0.1", "GET", "/api/items?x=1"));
        logged("GET /api/items?x=1 200 via_upstream true");
        assertEquals(403, send("bar", "127.0.0.1", "POST", "/api/items"), "method");
        logged("POST /api/items 403 rbac_access_denied_matched_policy[none] true");
        assertEquals(403, send("baz", "127.0.0.1", "GET", "/api/items"), "another service account");
        assertEquals(200, send("bar", "127.0.0.1", "GET", "/td"), "spiffe://.*/ns/foo/sa/bar: any trust domain");
        assertEquals(403, send("baz", "127.0.0.1", "GET", "/td"));
    }

    /** DENY wins first: DELETE from the allowed peer, and /api/ from a peer outside namespace foo (notId). */
    @Test
    void denyPoliciesAndNotId() throws Exception {
        assertEquals(403, send("bar", "127.0.0.1", "DELETE", "/api/items"));
        // Denied before the AUDIT filter runs: no hint.
        logged("DELETE /api/items 403 rbac_access_denied_matched_policy[ns[foo]-policy[deny-delete]-rule[0]] -");
        assertEquals(403, send("ns2", "localhost", "GET", "/api/items"), "ns2 is outside foo");
        logged("GET /api/items 403 rbac_access_denied_matched_policy[ns[foo]-policy[deny-foreign]-rule[0]] -");
        assertEquals(403, send("none", "localhost", "GET", "/api/items"), "no certificate: principal \"\" is outside foo");
    }

    /** destination_port and requested_server_name (the SNI, "" without one) with a namespace regex principal. */
    @Test
    void namespaceRegexPortAndSni() throws Exception {
        assertEquals(200, send("ns2", "localhost", "GET", "/other"));
        logged("GET /other 200 via_upstream false"); // the LOG filter ran and matched nothing
        assertEquals(403, send("ns2", "127.0.0.1", "GET", "/other"), "no SNI");
        assertEquals(403, send("bar", "localhost", "GET", "/other"), "bar is not in ns2");
    }

    /** remote_ip: the last x-forwarded-for entry (use_remote_address off, no trusted hops); direct_remote_ip: the socket's peer. */
    @Test
    void remoteIpFromForwardedForAndDirectRemoteIp() throws Exception {
        assertEquals(200, send("none", "127.0.0.1", "GET", "/remote", "x-forwarded-for", "1.2.3.4"));
        assertEquals(403, send("none", "127.0.0.1", "GET", "/remote"), "the socket's peer is 127.0.0.1");
        assertEquals(403, send("none", "127.0.0.1", "GET", "/remote", "x-forwarded-for", "1.2.3.4, 5.6.7.8"),
                "the last entry counts");
        assertEquals(200, send("none", "127.0.0.1", "GET", "/remote", "x-forwarded-for", "5.6.7.8, 1.2.3.4"));
    }

    /** requestPrincipals: metadata istio_authn request.auth.principal. */
    @Test
    void requestPrincipalMetadata() throws Exception {
        assertEquals(200, send("baz", "127.0.0.1", "GET", "/jwt", "x-test-request-principal", "https://issuer.example/sub1"));
        assertEquals(403, send("baz", "127.0.0.1", "GET", "/jwt", "x-test-request-principal", "https://issuer.example/sub2"));
        assertEquals(403, send("baz", "127.0.0.1", "GET", "/jwt"));
    }

    /** principals ["*"]: a non-empty principal, so any certificate, and no TLS peer without one. */
    @Test
    void anyPrincipalNeedsACertificate() throws Exception {
        assertEquals(200, send("baz", "127.0.0.1", "GET", "/any-peer"));
        assertEquals(403, send("none", "127.0.0.1", "GET", "/any-peer"));
    }
}
