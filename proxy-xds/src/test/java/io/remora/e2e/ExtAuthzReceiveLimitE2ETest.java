package io.remora.e2e;

import com.google.rpc.Code;
import com.google.rpc.Status;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.auth.v3.OkHttpResponse;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * grpc_service.envoy_grpc.max_receive_message_length on ext_authz against a grpc-java authorizer whose answers
 * are about 1 KiB: under a 256-byte limit the answer fails the call (Envoy's RESOURCE_EXHAUSTED), so the request
 * gets ext_authz's error status (403); without the limit the same answer lets it through.
 */
class ExtAuthzReceiveLimitE2ETest {

    static TestUpstream backend;
    static Server authz;
    static ProxyProcess proxy;
    static final Map<String, Integer> PORTS = new java.util.HashMap<>();

    static String filter(String envoyGrpc) {
        return """
                - name: envoy.filters.http.ext_authz
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz
                    grpc_service: { envoy_grpc: { cluster_name: authz%s }, timeout: 4s }
                    transport_api_version: V3
                """.formatted(envoyGrpc);
    }

    static final String ROUTES = """
            - name: all
              domains: ["*"]
              routes:
              - match: { prefix: / }
                route: { cluster: backend }
            """;

    @BeforeAll
    static void start() throws Exception {
        backend = TestUpstream.start((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "backend"));
        authz = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new AuthorizationGrpc.AuthorizationImplBase() {
                    @Override
                    public void check(CheckRequest request, StreamObserver<CheckResponse> out) {
                        out.onNext(CheckResponse.newBuilder().setStatus(Status.newBuilder().setCode(Code.OK_VALUE))
                                .setOkResponse(OkHttpResponse.newBuilder().addHeaders(
                                        ExtAuthzContextE2ETest.header("x-big", "b".repeat(1000)))).build());
                        out.onCompleted();
                    }
                }).build().start();
        int admin = ProxyProcess.freePort();
        for (String name : List.of("limited", "open")) {
            PORTS.put(name, ProxyProcess.freePort());
        }
        String listeners = Bootstraps.httpListenerWithFilters("limited", "", "",
                filter(", max_receive_message_length: 256"), ROUTES) + "\n"
                + Bootstraps.httpListenerWithFilters("open", "", "", filter(""), ROUTES);
        String clusters = Bootstraps.cluster("backend", false, null, backend.port()) + "\n"
                + Bootstraps.cluster("authz", true, null, authz.getPort());
        String yaml = Bootstraps.listeners(admin, listeners, clusters, PORTS);
        proxy = ProxyProcess.start(yaml, admin, List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"));
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

    static int status(String listener) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + PORTS.get(listener) + "/x")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void anAnswerOverTheLimitFailsTheCheck() throws Exception {
        assertEquals(200, status("open"), "the authorizer allows");
        assertEquals(403, status("limited"), "the same answer over max_receive_message_length is an error");
    }
}
