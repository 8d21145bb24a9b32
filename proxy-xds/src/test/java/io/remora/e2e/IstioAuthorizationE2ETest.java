package io.remora.e2e;

import com.google.rpc.Code;
import com.google.rpc.Status;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.auth.v3.DeniedHttpResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.remora.extensions.filters.common.rbac.IstioFixtureAuthorizationTest;
import io.remora.extensions.filters.common.rbac.IstioFixtureAuthorizationTest.Found;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The AuthorizationPolicies of the Istio sidecar fixture enforced on real traffic: the HTTP
 * filters of virtualInbound's HTTP chain exactly as istiod generated them (ALLOW rules on the
 * peer principal and JWT issuer, the CUSTOM action's shadow rules and the ext_authz filter they
 * enable, pointed at a real gRPC authorizer), and its TCP chain's network RBAC. The peer
 * identity and JWT claims, which Istio's mTLS and JWT filters would provide, come from a test
 * filter ({@link TestIdentityFilterExtension}) in front of them.
 */
class IstioAuthorizationE2ETest {

    static final String SLEEP = "spiffe://cluster.local/ns/default/sa/sleep";
    static final String GOOGLE = "https://accounts.google.com";

    static TestUpstream backend;
    static Server authz;
    static ProxyProcess proxy;
    static int httpPort;
    static int tcpPort;
    static Path accessLog;
    static final AtomicInteger checks = new AtomicInteger();
    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        List<Found> found = IstioFixtureAuthorizationTest.find();
        // virtualInbound-catchall-http (raw_buffer): the two RBAC filters and ext_authz of its HCM.
        String chain = ".configs[0].dynamic_listeners[23].active_state.listener.filter_chains[2].filters[2].typed_config";
        String rbac = config(found, chain + ".http_filters[1].typed_config");
        String shadow = config(found, chain + ".http_filters[2].typed_config");
        String extAuthz = config(found, chain + ".http_filters[3].typed_config");
        // virtualInbound (raw_buffer) TCP chain: network RBAC with rules: {}.
        String tcpRbac = config(found,
                ".configs[0].dynamic_listeners[23].active_state.listener.filter_chains[4].filters[2].typed_config");

        backend = TestUpstream.text("httpbin");
        authz = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new AuthorizationGrpc.AuthorizationImplBase() {
                    @Override
                    public void check(CheckRequest request, StreamObserver<CheckResponse> out) {
                        checks.incrementAndGet();
                        boolean deny = request.getAttributes().getRequest().getHttp().getHeadersMap()
                                .containsKey("x-ext-authz-deny");
                        CheckResponse.Builder r = CheckResponse.newBuilder();
                        if (deny) {
                            r.setStatus(Status.newBuilder().setCode(Code.PERMISSION_DENIED_VALUE))
                                    .setDeniedResponse(DeniedHttpResponse.newBuilder()
                                            .setStatus(HttpStatus.newBuilder().setCode(StatusCode.Forbidden))
                                            .setBody("denied by ext-authz"));
                        } else {
                            r.setStatus(Status.newBuilder().setCode(Code.OK_VALUE));
                        }
                        out.onNext(r.build());
                        out.onCompleted();
                    }
                }).build().start();

        int admin = ProxyProcess.freePort();
        httpPort = ProxyProcess.freePort();
        tcpPort = ProxyProcess.freePort();
        accessLog = TempPaths.file("istio-authz", ".log");
        String filters = """
                - name: %s
                - name: envoy.filters.http.rbac
                  typed_config: %s
                - name: envoy.filters.http.rbac
                  typed_config: %s
                - name: envoy.filters.http.ext_authz
                  typed_config: %s
                """.formatted(TestIdentityFilterExtension.NAME, rbac, shadow, extAuthz);
        String yaml = Bootstraps.http(admin, httpPort, accessLog.toString(),
                "- match: { prefix: / }\n  route: { cluster: backend }\n",
                Bootstraps.cluster("backend", false, null, backend.port()) + "\n"
                        + Bootstraps.cluster("outbound|9191||sample-ext-authz-grpc", true, null, authz.getPort()),
                "", filters);
        yaml = RbacE2ETest.withLogFormat(yaml, accessLog, "%REQ(:METHOD)% %REQ(:PATH)% %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS%");
        yaml = yaml.replace("  clusters:\n", """
                  - name: virtualInbound-tcp
                    address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.rbac
                        typed_config: %s
                      - name: envoy.filters.network.tcp_proxy
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                          stat_prefix: InboundPassthroughClusterIpv4
                          cluster: backend
                  clusters:
                """.formatted(tcpPort, tcpRbac));
        new io.remora.xds.bootstrap.BootstrapLoader().loadString(yaml, "istio-authz.yaml");
        proxy = ProxyProcess.start(yaml, admin, List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"), "--file-flush-interval-msec", "50");
    }

    static String config(List<Found> found, String path) {
        for (Found f : found) {
            if (f.path().equals(path)) {
                return f.config().toString();
            }
        }
        throw new AssertionError("no RBAC/ext_authz config at " + path);
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (backend != null) {
            backend.close();
        }
        if (authz != null) {
            authz.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    static HttpResponse<String> send(String method, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String awaitLogLine(String prefix) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            for (String l : Files.readAllLines(accessLog)) {
                if (l.startsWith(prefix)) {
                    return l;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no access log line for " + prefix + " in:\n" + Files.readString(accessLog));
    }

    static double metric(String sample) throws Exception {
        return proxy.metric(sample);
    }

    static final String HCM = "{envoy_http_conn_manager_prefix=\"ingress\"}";

    @Test
    void noIdentityIsDenied() throws Exception {
        int before = checks.get();
        HttpResponse<String> r = send("GET", "/info");
        assertEquals(403, r.statusCode());
        assertEquals("RBAC: access denied", r.body());
        assertEquals("GET /info 403 - rbac_access_denied_matched_policy[none]", awaitLogLine("GET /info 403 - "));
        assertEquals(before, checks.get());
    }

    @Test
    void allowedPrincipalAndIssuerPassRbacAndTheCustomAction() throws Exception {
        double allowed = metric("envoy_http_rbac_allowed" + HCM);
        double shadowDenied = metric("envoy_http_rbac_istio_ext_authz_shadow_denied" + HCM);
        double ok = metric("envoy_http_ext_authz_ok" + HCM);
        int before = checks.get();
        HttpResponse<String> r = send("GET", "/info/headers", "x-test-peer", SLEEP, "x-test-iss", GOOGLE);
        assertEquals(200, r.statusCode());
        assertEquals("httpbin", r.body());
        // The CUSTOM policy's shadow rules matched, which enabled ext_authz: the authorizer was asked.
        assertEquals(before + 1, checks.get());
        assertEquals(allowed + 1, metric("envoy_http_rbac_allowed" + HCM));
        assertEquals(shadowDenied + 1, metric("envoy_http_rbac_istio_ext_authz_shadow_denied" + HCM));
        assertEquals(ok + 1, metric("envoy_http_ext_authz_ok" + HCM));
    }

    @Test
    void customActionDenies() throws Exception {
        HttpResponse<String> r = send("GET", "/info", "x-test-peer", SLEEP, "x-test-iss", GOOGLE,
                "x-ext-authz-deny", "1");
        assertEquals(403, r.statusCode());
        assertEquals("denied by ext-authz", r.body());
        assertEquals("GET /info 403 UAEX ext_authz_denied", awaitLogLine("GET /info 403 UAEX"));
    }

    @Test
    void regexPrincipalPostData() throws Exception {
        int before = checks.get();
        assertEquals(200, send("POST", "/data", "x-test-peer", "spiffe://cluster.local/ns/test/sa/any",
                "x-test-iss", GOOGLE).statusCode());
        assertEquals(before + 1, checks.get());
        // The rule allows POST only on exactly /data, and GET only under /info.
        assertEquals(403, send("GET", "/data", "x-test-peer", SLEEP, "x-test-iss", GOOGLE).statusCode());
        assertEquals(403, send("POST", "/data/x", "x-test-peer", SLEEP, "x-test-iss", GOOGLE).statusCode());
    }

    @Test
    void wrongIssuerOrPrincipalIsDenied() throws Exception {
        assertEquals(403, send("GET", "/info", "x-test-peer", SLEEP, "x-test-iss", "https://evil.example").statusCode());
        assertEquals(403, send("GET", "/info", "x-test-peer", "spiffe://cluster.local/ns/prod/sa/x",
                "x-test-iss", GOOGLE).statusCode());
        assertEquals(403, send("GET", "/info", "x-test-peer", SLEEP).statusCode());
    }

    @Test
    void tcpChainDeniesEveryConnection() throws Exception {
        double denied = metric("envoy_denied{envoy_rbac_prefix=\"tcp\",envoy_tcp_prefix=\"rbac\"}");
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), tcpPort)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
            int n;
            try {
                n = s.getInputStream().read();
            } catch (java.net.SocketException reset) {
                n = -1;
            }
            assertEquals(-1, n);
        }
        assertEquals(denied + 1, metric("envoy_denied{envoy_rbac_prefix=\"tcp\",envoy_tcp_prefix=\"rbac\"}"));
    }

}
