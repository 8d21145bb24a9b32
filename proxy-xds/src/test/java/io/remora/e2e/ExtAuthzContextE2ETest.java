package io.remora.e2e;

import com.google.rpc.Code;
import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.config.core.v3.QueryParameter;
import io.envoyproxy.envoy.service.auth.v3.DeniedHttpResponse;
import io.envoyproxy.envoy.service.auth.v3.OkHttpResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.remora.testing.TestCerts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What ext_authz sends beyond the request (the peer certificate, the TLS session's SNI, the route's
 * metadata) over a real mTLS connection, and what it lets a gRPC authorizer change: the default
 * header mutation rules skip routing and x-envoy-* headers, disallow_is_error and
 * validate_mutations turn a refused or invalid change into Envoy's 500 with details
 * ext_authz_invalid, counted in ext_authz.invalid.
 */
class ExtAuthzContextE2ETest {

    @TempDir
    static Path dir;
    static TestUpstream backend;
    static Server authz;
    static ProxyProcess proxy;
    static TestCerts.Ca ca;
    static TestCerts.Leaf client;
    static TestCerts.Leaf dnsClient;
    static final Map<String, Integer> PORTS = new java.util.HashMap<>();
    static final AtomicReference<CheckRequest> lastCheck = new AtomicReference<>();

    static String filter(String extra) {
        return """
                - name: envoy.filters.http.ext_authz
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz
                    grpc_service: { envoy_grpc: { cluster_name: authz }, timeout: 4s }
                    transport_api_version: V3
                """ + extra.indent(4);
    }

    static final String ROUTES = """
            - name: all
              domains: ["*"]
              routes:
              - match: { prefix: / }
                route: { cluster: backend }
                metadata:
                  filter_metadata:
                    authz.ctx: { team: payments }
                    other.ns: { not: sent }
            """;

    @BeforeAll
    static void start() throws Exception {
        ca = TestCerts.ca("ext-authz-ca");
        ca.issue("server", "localhost").write(dir, "server");
        client = ca.issue("client", "spiffe://cluster.local/ns/default/sa/client");
        dnsClient = ca.issue("dns-client", "client.example");
        java.nio.file.Files.writeString(dir.resolve("ca.pem"), ca.pem());
        backend = TestUpstream.start((ctx, req, n) -> TestUpstream.send(ctx, req, 200,
                "added=" + req.headers().get("x-added") + " envoy=" + req.headers().get("x-envoy-sneaky")
                        + " host=" + req.headers().get("host") + " forbidden=" + req.headers().get("x-forbidden-one")
                        + (req.uri().contains("query") ? " uri=" + req.uri() : "")));
        authz = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new AuthorizationGrpc.AuthorizationImplBase() {
                    @Override
                    public void check(CheckRequest request, StreamObserver<CheckResponse> out) {
                        lastCheck.set(request);
                        String path = request.getAttributes().getRequest().getHttp().getPath();
                        OkHttpResponse.Builder ok = OkHttpResponse.newBuilder()
                                .addHeaders(header("x-added", "ok"))
                                .addHeaders(header("x-envoy-sneaky", "1"))
                                .addHeaders(header("host", "evil.example"));
                        if (path.contains("forbidden")) {
                            ok.addHeaders(header("x-forbidden-one", "v"));
                        }
                        if (path.contains("bad-value")) {
                            ok.addHeaders(header("x-bad", "a\r\nx-injected: b"));
                        }
                        if (path.contains("query")) {
                            ok.addQueryParametersToSet(QueryParameter.newBuilder().setKey("tier").setValue("gold"))
                                    .addQueryParametersToSet(QueryParameter.newBuilder().setKey("new").setValue("x"))
                                    .addQueryParametersToRemove("drop");
                        }
                        if (path.contains("query-bad")) {
                            // '%' is not allowed by Envoy's queryParameterIsUrlEncoded: invalid under validate_mutations.
                            ok.addQueryParametersToSet(QueryParameter.newBuilder().setKey("k").setValue("a%20b"));
                        }
                        if (path.contains("slow")) {
                            try {
                                Thread.sleep(60);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                        if (path.contains("deny")) {
                            DeniedHttpResponse.Builder denied = DeniedHttpResponse.newBuilder()
                                    .setStatus(HttpStatus.newBuilder().setCode(StatusCode.PaymentRequired));
                            if (path.contains("deny-bad")) {
                                denied.addHeaders(header("x-bad", "a\r\nx-injected: b"));
                            }
                            out.onNext(CheckResponse.newBuilder()
                                    .setStatus(Status.newBuilder().setCode(Code.PERMISSION_DENIED_VALUE))
                                    .setDeniedResponse(denied)
                                    .build());
                            out.onCompleted();
                            return;
                        }
                        out.onNext(CheckResponse.newBuilder().setStatus(Status.newBuilder().setCode(Code.OK_VALUE))
                                .setOkResponse(ok).build());
                        out.onCompleted();
                    }
                }).build().start();
        int admin = ProxyProcess.freePort();
        for (String name : List.of("mtls", "strict", "stats", "meta")) {
            PORTS.put(name, ProxyProcess.freePort());
        }
        String mtls = Bootstraps.downstreamMtls(dir);
        String listeners = Bootstraps.httpListenerWithFilters("mtls", mtls, "", filter("""
                include_peer_certificate: true
                include_tls_session: true
                route_metadata_context_namespaces: [authz.ctx]
                decoder_header_mutation_rules: {}
                validate_mutations: true
                """), ROUTES) + "\n" + Bootstraps.httpListenerWithFilters("strict", "", "", filter("""
                decoder_header_mutation_rules:
                  allow_all_routing: true
                  allow_envoy: true
                  disallow_expression: { regex: "x-forbidden-.*" }
                  disallow_is_error: true
                """), ROUTES) + "\n" + Bootstraps.httpListenerWithFilters("stats", "", Bootstraps.fileAccessLog(
                        dir.resolve("stats.log"), "%REQ(:PATH)% %RESPONSE_CODE%"
                                + " lat=%FILTER_STATE(envoy.filters.http.ext_authz:FIELD:latency_us)%"
                                + " bytes=%FILTER_STATE(envoy.filters.http.ext_authz:FIELD:bytesSent)%"
                                + " text=%FILTER_STATE(envoy.filters.http.ext_authz)%"), filter("""
                emit_filter_state_stats: true
                charge_cluster_response_stats: false
                """), ROUTES) + "\n" + Bootstraps.httpListenerWithFilters("meta", "", "", """
                - name: taken
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.set_filter_state.v3.Config
                    on_request_headers:
                    - object_key: envoy.filters.http.ext_authz
                      factory_key: envoy.string
                      format_string: { text_format_source: { inline_string: other } }
                """ + filter("filter_metadata: { team: edge }\n"), ROUTES);
        String clusters = Bootstraps.cluster("backend", false, null, backend.port()) + "\n"
                + Bootstraps.cluster("authz", true, null, authz.getPort());
        String yaml = Bootstraps.listeners(admin, listeners, clusters, PORTS);
        new io.remora.xds.bootstrap.BootstrapLoader().loadString(yaml, "ext_authz_context.yaml");
        proxy = ProxyProcess.start(yaml, admin, List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"),
                "--file-flush-interval-msec", "50");
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (authz != null) {
            authz.shutdownNow();
        }
        if (backend != null) {
            backend.close();
        }
    }

    static HeaderValueOption header(String k, String v) {
        return HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey(k).setValue(v)).build();
    }

    /**
     * One request over mTLS with SNI authz.test (the JDK sends none for a name without a dot);
     * returns the status code and the body, separated by a space.
     */
    static String mtls(String path) throws Exception {
        return mtls(path, client);
    }

    static String mtls(String path, TestCerts.Leaf leaf) throws Exception {
        try (SSLSocket s = (SSLSocket) RbacMtlsE2ETest.client(leaf, ca).getSocketFactory()
                .createSocket("127.0.0.1", PORTS.get("mtls"))) {
            SSLParameters p = s.getSSLParameters();
            p.setServerNames(List.of(new SNIHostName("authz.test")));
            s.setSSLParameters(p);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nhost: authz.test\r\nconnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String raw = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            return raw.substring(9, 12) + " " + raw.substring(raw.indexOf("\r\n\r\n") + 4);
        }
    }

    static HttpResponse<String> plain(String path) throws Exception {
        return plain("strict", path);
    }

    static HttpResponse<String> plain(String listener, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + PORTS.get(listener) + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * query_parameters_to_set replaces or adds, query_parameters_to_remove drops, and the query is
     * written again as Envoy writes it: keys sorted, raw, a bare key as {@code key=}.
     */
    @Test
    void queryParametersAreSetAndRemovedBeforeTheUpstream() throws Exception {
        HttpResponse<String> r = plain("/query?z=1&drop=2&tier=free&tier=x&a");
        assertEquals(200, r.statusCode());
        assertTrue(r.body().endsWith(" uri=/query?a=&new=x&tier=gold&z=1"), r.body());
        // Over mTLS with validate_mutations, valid keys and values pass.
        assertTrue(mtls("/query").endsWith(" uri=/query?new=x&tier=gold"), "no query at first");
    }

    @Test
    void validateMutationsRefusesAQueryParameterThatIsNotUrlEncoded() throws Exception {
        assertInvalidOverMtls("/query-bad?k=1");
    }

    /** charge_cluster_response_stats (default true): a denial counts as the routed cluster's response. */
    @Test
    void denialsAreChargedToTheRoutedClusterUnlessTurnedOff() throws Exception {
        String code402 = "envoy_cluster_upstream_rq{envoy_cluster_name=\"backend\",envoy_response_code=\"402\"}";
        double before = proxy.metric(code402);
        assertEquals(402, plain("/deny").statusCode());
        assertEquals(before + 1, proxy.metric(code402));
        assertEquals(402, plain("stats", "/deny").statusCode());
        assertEquals(before + 1, proxy.metric(code402), "charge_cluster_response_stats: false");
    }

    /** emit_filter_state_stats: the call's latency as %FILTER_STATE(<filter>:FIELD:latency_us)%. */
    @Test
    void filterStateStatsCarryTheCallLatency() throws Exception {
        assertEquals(200, plain("stats", "/slow").statusCode());
        String line = LogFiles.await(dir.resolve("stats.log"), lines -> lines.stream().anyMatch(l -> l.startsWith("/slow ")))
                .stream().filter(l -> l.startsWith("/slow ")).findFirst().orElseThrow();
        String lat = line.substring(line.indexOf("lat=") + 4, line.indexOf(' ', line.indexOf("lat=")));
        assertTrue(Long.parseLong(lat) >= 60_000, line);
        assertTrue(line.endsWith(" bytes=- text=-"), "no wire byte counts, no text form (as Envoy's): " + line);
    }

    /**
     * filter_metadata alone makes the logging object too (Envoy's), so a name another filter took
     * first is counted as a collision.
     */
    @Test
    void filterMetadataMakesTheLoggingObject() throws Exception {
        String collisions = "envoy_http_ext_authz_filter_state_name_collision{envoy_http_conn_manager_prefix=\"meta\"}";
        double before = proxy.metric(collisions);
        assertEquals(200, plain("meta", "/slow").statusCode());
        assertEquals(before + 1, proxy.metric(collisions), proxy.admin("/stats/prometheus"));
    }

    @Test
    void sendsThePeerCertificateTheSniAndTheRouteMetadata() throws Exception {
        assertEquals("200 ", mtls("/ctx").substring(0, 4));
        var attrs = lastCheck.get().getAttributes();
        String pem = URLDecoder.decode(attrs.getSource().getCertificate(), StandardCharsets.UTF_8);
        var cert = CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        assertEquals(client.cert(), cert);
        assertEquals("spiffe://cluster.local/ns/default/sa/client", attrs.getSource().getPrincipal());
        // The destination is the proxy: its own certificate's DNS SAN.
        assertEquals("localhost", attrs.getDestination().getPrincipal());
        assertEquals("authz.test", attrs.getTlsSession().getSni());
        var routeMd = attrs.getRouteMetadataContext().getFilterMetadataMap();
        assertEquals(List.of("authz.ctx"), List.copyOf(routeMd.keySet()));
        assertEquals("payments", routeMd.get("authz.ctx").getFieldsOrThrow("team").getStringValue());
    }

    /** Envoy's principal is the first URI SAN, else the first DNS SAN, and only then the subject. */
    @Test
    void aPeerWithOnlyADnsSanIsNamedByIt() throws Exception {
        assertEquals("200 ", mtls("/dns", dnsClient).substring(0, 4));
        assertEquals("client.example", lastCheck.get().getAttributes().getSource().getPrincipal());
    }

    /** HeaderMutationRules' defaults: no routing headers, no x-envoy-*; the rest goes upstream. */
    @Test
    void defaultRulesSkipRoutingAndEnvoyHeaders() throws Exception {
        assertEquals("200 added=ok envoy=null host=authz.test forbidden=null", mtls("/rules"));
    }

    @Test
    void validateMutationsAnswersAnInvalidValueWith500() throws Exception {
        assertInvalidOverMtls("/bad-value");
    }

    /** Envoy validates a denial's headers too: an invalid one turns the 402 into a 500, invalid. */
    @Test
    void validateMutationsRefusesADenialWithAnInvalidHeader() throws Exception {
        assertInvalidOverMtls("/deny-bad");
    }

    /** validate_mutations finds the answer to {@code path} invalid: a 500, counted in ext_authz.invalid. */
    static void assertInvalidOverMtls(String path) throws Exception {
        double before = proxy.metric("envoy_http_ext_authz_invalid{envoy_http_conn_manager_prefix=\"mtls\"}");
        assertEquals("500", mtls(path).substring(0, 3));
        assertEquals(before + 1,
                proxy.metric("envoy_http_ext_authz_invalid{envoy_http_conn_manager_prefix=\"mtls\"}"));
    }

    /** disallow_is_error: a change the rules refuse fails the whole request instead of being skipped. */
    @Test
    void disallowIsErrorFailsTheRequest() throws Exception {
        HttpResponse<String> allowed = plain("/allowed");
        assertEquals(200, allowed.statusCode());
        // allow_all_routing and allow_envoy: the host (as :authority, as in Envoy) and x-envoy-*
        // changes are applied here.
        assertEquals("added=ok envoy=1 host=evil.example forbidden=null", allowed.body());
        assertEquals(500, plain("/forbidden").statusCode());
        assertEquals(1.0, proxy.metric("envoy_http_ext_authz_invalid{envoy_http_conn_manager_prefix=\"strict\"}"));
        // Without TLS there is no certificate or TLS session to send.
        var attrs = lastCheck.get().getAttributes();
        assertEquals("", attrs.getSource().getCertificate());
        assertFalse(attrs.hasTlsSession());
    }
}
