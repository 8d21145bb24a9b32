package io.remora.e2e;

import com.google.rpc.Code;
import com.google.rpc.Status;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.util.NetUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * grpc_service.envoy_grpc.skip_envoy_headers on ext_authz's calls, seen by a grpc-java authorizer: by default
 * a call carries x-envoy-internal: true and the node's local address appended to x-forwarded-for (after
 * initial_metadata's), as Envoy's async client sends them; with skip_envoy_headers neither.
 */
class ExtAuthzEnvoyHeadersE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();

    static final Metadata.Key<String> INTERNAL = Metadata.Key.of("x-envoy-internal", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> XFF = Metadata.Key.of("x-forwarded-for", Metadata.ASCII_STRING_MARSHALLER);

    static String filter(String envoyGrpc) {
        return """
                - name: envoy.filters.http.ext_authz
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz
                    grpc_service:
                      envoy_grpc: { cluster_name: authz%s }
                      timeout: 4s
                      initial_metadata: [{ key: x-forwarded-for, value: 10.9.9.9 }]
                    transport_api_version: V3
                """.formatted(envoyGrpc);
    }

    @Test
    void callsCarryEnvoysHeadersUnlessSkipped() throws Exception {
        TestUpstream backend = stack.own(TestUpstream.text("backend"));
        BlockingQueue<Metadata> seen = new LinkedBlockingQueue<>();
        ServerInterceptor record = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                              ServerCallHandler<Q, R> next) {
                seen.add(headers);
                return next.startCall(call, headers);
            }
        };
        io.grpc.Server authz = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(ServerInterceptors.intercept(new AuthorizationGrpc.AuthorizationImplBase() {
                    @Override
                    public void check(CheckRequest request, StreamObserver<CheckResponse> out) {
                        out.onNext(CheckResponse.newBuilder().setStatus(Status.newBuilder().setCode(Code.OK_VALUE))
                                .build());
                        out.onCompleted();
                    }
                }, record)).build().start();
        stack.own(authz::shutdownNow);
        Map<String, Integer> ports = Map.of("sent", ProxyProcess.freePort(), "skipped", ProxyProcess.freePort());
        String listeners = Bootstraps.httpListenerWithFilters("sent", "", "", filter(""),
                ExtAuthzReceiveLimitE2ETest.ROUTES) + "\n"
                + Bootstraps.httpListenerWithFilters("skipped", "", "", filter(", skip_envoy_headers: true"),
                ExtAuthzReceiveLimitE2ETest.ROUTES);
        String clusters = Bootstraps.cluster("backend", false, null, backend.port()) + "\n"
                + Bootstraps.cluster("authz", true, null, authz.getPort());
        stack.start(Bootstraps.listeners(stack.adminPort, listeners, clusters, ports));

        assertEquals(200, Curl.get(ports.get("sent"), "/x").status());
        Metadata sent = seen.poll(10, TimeUnit.SECONDS);
        assertNotNull(sent, "the authorizer was called");
        assertEquals("true", sent.get(INTERNAL));
        // The proxy runs with Envoy's default --local-address-ip-version v4.
        String local = NetUtil.toAddressString(io.remora.server.LocalAddress.of(false));
        assertEquals("10.9.9.9," + local, sent.get(XFF));

        assertEquals(200, Curl.get(ports.get("skipped"), "/x").status());
        Metadata skipped = seen.poll(10, TimeUnit.SECONDS);
        assertNotNull(skipped, "the authorizer was called");
        assertNull(skipped.get(INTERNAL));
        assertEquals("10.9.9.9", skipped.get(XFF), "initial_metadata's alone");
    }
}
