package io.remora.e2e;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.remora.testing.GrpcText;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * grpc_stats, set_filter_state (HTTP and network) and header_to_metadata in a proxy started from a
 * bootstrap: gRPC call and message counts per method in /stats/prometheus, filter state and
 * dynamic metadata as the access log prints them.
 */
class ObservabilityFiltersE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static final MethodDescriptor<String, String> UNARY = GrpcText.unary("demo.Echo/Say");
    static final MethodDescriptor<String, String> FAIL = GrpcText.unary("demo.Echo/Fail");
    static final MethodDescriptor<String, String> BIDI = GrpcText.bidi("demo.Echo/Chat");

    static Server grpc;
    static TestUpstream http;
    static ProxyProcess proxy;
    static ManagedChannel channel;
    static Path accessLog;

    @BeforeAll
    static void start() throws Exception {
        ServerServiceDefinition service = ServerServiceDefinition.builder("demo.Echo")
                .addMethod(UNARY, ServerCalls.asyncUnaryCall((String req, StreamObserver<String> out) -> {
                    out.onNext("hello " + req);
                    out.onCompleted();
                }))
                .addMethod(FAIL, ServerCalls.asyncUnaryCall((String req, StreamObserver<String> out) ->
                        out.onError(Status.NOT_FOUND.asRuntimeException())))
                .addMethod(BIDI, ServerCalls.asyncBidiStreamingCall(out -> new StreamObserver<String>() {
                    @Override
                    public void onNext(String value) {
                        out.onNext(value);
                        out.onNext(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        out.onCompleted();
                    }
                }))
                .build();
        grpc = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service).build().start();
        stack.own(grpc::shutdownNow);
        http = stack.own(TestUpstream.text("plain"));
        accessLog = TempPaths.file("access", ".log");
        String routes = """
                - match: { prefix: "/demo.Echo/", grpc: {} }
                  route: { cluster: grpc_backend, timeout: 0s }
                - match: { prefix: "/" }
                  route: { cluster: http_backend }
                """;
        String networkFilters = """
                - name: envoy.filters.network.set_filter_state
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.network.set_filter_state.v3.Config
                    on_new_connection:
                    - object_key: peer
                      factory_key: envoy.string
                      format_string: { text_format_source: { inline_string: "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%" } }
                """;
        String httpFilters = """
                - name: envoy.filters.http.grpc_stats
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.grpc_stats.v3.FilterConfig
                    emit_filter_state: true
                    individual_method_stats_allowlist:
                      services:
                      - name: demo.Echo
                        method_names: [Say, Chat]
                - name: envoy.filters.http.set_filter_state
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.set_filter_state.v3.Config
                    on_request_headers:
                    - object_key: tenant
                      factory_key: envoy.string
                      format_string: { text_format_source: { inline_string: "tenant-%REQ(x-tenant)%" } }
                    - object_key: skipped
                      factory_key: envoy.string
                      skip_if_empty: true
                      format_string: { text_format_source: { inline_string: "%REQ(x-absent)%" } }
                - name: envoy.filters.http.header_to_metadata
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.header_to_metadata.v3.Config
                    request_rules:
                    - header: x-version
                      on_header_present: { metadata_namespace: envoy.lb, key: version }
                      on_header_missing: { metadata_namespace: envoy.lb, key: version, value: none }
                      remove: true
                    - header: x-cost
                      on_header_present: { key: cost, type: NUMBER }
                    - cookie: session
                      on_header_present:
                        key: session
                        regex_value_rewrite:
                          pattern: { regex: "^s-(\\\\d+)$" }
                          substitution: "\\\\1"
                """;
        String bootstrap = stack.http(accessLog.toString(), routes,
                Bootstraps.cluster("grpc_backend", true, null, grpc.getPort())
                        + Bootstraps.cluster("http_backend", false, null, http.port()),
                networkFilters, httpFilters);
        bootstrap = Bootstraps.logFormat(bootstrap, accessLog, "%REQ(:PATH)% %FILTER_STATE(tenant)% "
                + "%FILTER_STATE(skipped)% %FILTER_STATE(peer)% %FILTER_STATE(envoy.filters.http.grpc_stats)% "
                + "%DYNAMIC_METADATA(envoy.lb:version)% %DYNAMIC_METADATA(envoy.filters.http.header_to_metadata)%");
        proxy = stack.start(bootstrap);
        channel = NettyChannelBuilder.forAddress("127.0.0.1", stack.port).usePlaintext().build();
        stack.own(channel::shutdownNow);
    }

    private static String logLine(String pathPrefix) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            for (String line : Files.readAllLines(accessLog)) {
                if (line.startsWith(pathPrefix)) {
                    return line;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no access log line for " + pathPrefix + " in " + Files.readString(accessLog));
    }

    @Test
    void grpcCallsAndMessagesAreCountedPerAllowedMethod() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertEquals("hello x", ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT, "x"));
        }
        assertThrows(StatusRuntimeException.class,
                () -> ClientCalls.blockingUnaryCall(channel, FAIL, CallOptions.DEFAULT, "x"));
        CountDownLatch done = new CountDownLatch(1);
        StreamObserver<String> requests = ClientCalls.asyncBidiStreamingCall(channel.newCall(BIDI, CallOptions.DEFAULT),
                new StreamObserver<String>() {
                    @Override
                    public void onNext(String value) {
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.countDown();
                    }

                    @Override
                    public void onCompleted() {
                        done.countDown();
                    }
                });
        for (int i = 0; i < 5; i++) {
            requests.onNext("m" + i);
        }
        requests.onCompleted();
        assertTrue(done.await(10, TimeUnit.SECONDS));

        // Envoy's tag extractors take one name segment each: in "demo.Echo.Say.success" the service tag is
        // "demo", the method tag "Echo", and "Say" stays in the name (replace_dots_in_grpc_service_name avoids it).
        String tags = "{envoy_cluster_name=\"grpc_backend\",envoy_grpc_bridge_method=\"Echo\",envoy_grpc_bridge_service=\"demo\"}";
        assertEquals(3.0, proxy.metric("envoy_cluster_grpc_Say_success" + tags), proxy.admin("/stats/prometheus"));
        assertEquals(3.0, proxy.metric("envoy_cluster_grpc_Say_total" + tags));
        assertEquals(3.0, proxy.metric("envoy_cluster_grpc_Say_request_message_count" + tags));
        assertEquals(3.0, proxy.metric("envoy_cluster_grpc_Say_response_message_count" + tags));
        assertEquals(1.0, proxy.metric("envoy_cluster_grpc_Chat_success" + tags));
        assertEquals(5.0, proxy.metric("envoy_cluster_grpc_Chat_request_message_count" + tags));
        assertEquals(10.0, proxy.metric("envoy_cluster_grpc_Chat_response_message_count" + tags));
        // Fail is not in the allowlist: counted without a method.
        String generic = "{envoy_cluster_name=\"grpc_backend\",envoy_grpc_bridge_method=\"\",envoy_grpc_bridge_service=\"\"}";
        assertEquals(1.0, proxy.metric("envoy_cluster_grpc_failure" + generic));
        assertTrue(logLine("/demo.Echo/Chat").contains(" 5,10 "), logLine("/demo.Echo/Chat"));
    }

    @Test
    void filterStateAndDynamicMetadataReachTheAccessLog() throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(stack.url("/meta")))
                .header("x-tenant", "acme").header("x-version", "v2").header("x-cost", "12.5")
                .header("cookie", "a=b; session=s-42").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals(null, http.lastHeaders.get("x-version"), "remove: true took the header off");
        String line = logLine("/meta ");
        // set_filter_state's string objects print TYPED (the default) as Envoy's StringValue JSON: quoted.
        assertEquals(List.of("/meta", "\"tenant-acme\"", "-", "\"127.0.0.1\"", "-", "v2",
                "{\"cost\":12.5,\"session\":\"42\"}"), List.of(line.split(" ")), line);

        client.send(HttpRequest.newBuilder(URI.create(stack.url("/missing"))).build(),
                HttpResponse.BodyHandlers.ofString());
        String missing = logLine("/missing ");
        assertTrue(missing.contains(" none "), "on_header_missing sets its value: " + missing);
    }
}
