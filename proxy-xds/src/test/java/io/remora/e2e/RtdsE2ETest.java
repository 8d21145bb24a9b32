package io.remora.e2e;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.service.runtime.v3.Runtime;
import io.remora.testing.TempPaths;
import io.remora.xds.ads.RuntimeDiscoveryServer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * layered_runtime with an rtds_layer over ADS (state of the world and delta) from a real gRPC server: the server
 * goes live only once the layer has arrived, a new version turns the fault filter's abort percentage from 0 to
 * 100, and a layer Envoy cannot flatten is NACKed while the last good one keeps serving.
 */
class RtdsE2ETest {

    private static Runtime runtime(int abortPercent, String extraKey) {
        Struct abort = Struct.newBuilder().putFields("abort_percent", Value.newBuilder().setNumberValue(abortPercent).build()).build();
        Struct fault = Struct.newBuilder().putFields("http", Value.newBuilder().setStructValue(
                Struct.newBuilder().putFields("abort", Value.newBuilder().setStructValue(abort).build())).build()).build();
        Struct.Builder layer = Struct.newBuilder().putFields("fault", Value.newBuilder().setStructValue(fault).build());
        if (extraKey != null) {
            layer.putFields(extraKey, Value.newBuilder().setBoolValue(true).build());
        }
        return Runtime.newBuilder().setName("rtds-0").setLayer(layer).build();
    }

    private static String bootstrap(int admin, int port, int upstream, int ads, boolean delta) throws Exception {
        String fault = """
                - name: envoy.filters.http.fault
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                    abort: { http_status: 418, percentage: { numerator: 0 } }
                """;
        return Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(),
                "- match: { prefix: \"/\" }\n  route: { cluster: app }\n",
                Bootstraps.cluster("app", false, null, upstream) + "\n" + Bootstraps.cluster("xds-grpc", true, null, ads), "", fault)
                + """
                dynamic_resources:
                  ads_config:
                    api_type: %s
                    transport_api_version: V3
                    grpc_services:
                    - envoy_grpc: { cluster_name: xds-grpc }
                layered_runtime:
                  layers:
                  - name: base
                    static_layer: { fault.http.abort.abort_percent: 100, base.only: 7 }
                  - name: rtds
                    rtds_layer: { name: rtds-0, rtds_config: { ads: {}, resource_api_version: V3 } }
                  - name: admin
                    admin_layer: {}
                """.formatted(delta ? "DELTA_GRPC" : "GRPC");
    }

    private static JsonObject entry(ProxyProcess proxy, String key) throws Exception {
        return JsonParser.parseString(proxy.admin("/runtime")).getAsJsonObject().getAsJsonObject("entries")
                .getAsJsonObject(key);
    }

    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void rtdsLayerTurnsTheFaultAbortOnAndABadLayerIsNacked(boolean delta) throws Exception {
        try (TestUpstream upstream = TestUpstream.text("app"); RuntimeDiscoveryServer rtds = new RuntimeDiscoveryServer().start()) {
            // the static layer below asks for 100% aborts: only the RTDS layer above it keeps them off
            rtds.set(runtime(0, "first.version"), "v1");
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            try (ProxyProcess proxy = ProxyProcess.start(bootstrap(admin, port, upstream.port(), rtds.port, delta), admin)) {
                // ready means the layer was loaded: Envoy's server initializes RTDS before going live
                JsonObject percent = entry(proxy, "fault.http.abort.abort_percent");
                assertEquals("0", percent.get("final_value").getAsString(), percent.toString());
                assertEquals("[\"100\",\"0\",\"\"]", percent.get("layer_values").toString(), "the RTDS layer sits between");
                assertEquals("[\"base\",\"rtds\",\"admin\"]",
                        JsonParser.parseString(proxy.admin("/runtime")).getAsJsonObject().get("layers").toString());
                for (int i = 0; i < 5; i++) {
                    assertEquals(200, Curl.get(port, "/").status());
                }
                assertEquals(3.0, proxy.metric("envoy_runtime_num_layers"));
                assertEquals(3.0, proxy.metric("envoy_runtime_num_keys"), "abort_percent, base.only, first.version");

                double loads = proxy.metric("envoy_runtime_load_success");
                rtds.set(runtime(100, null), "v2");
                long deadline = System.currentTimeMillis() + 10_000;
                while (!entry(proxy, "fault.http.abort.abort_percent").get("final_value").getAsString().equals("100")) {
                    assertTrue(System.currentTimeMillis() < deadline, "RTDS v2 applied: " + proxy.admin("/runtime"));
                    Thread.sleep(50);
                }
                for (int i = 0; i < 5; i++) {
                    assertEquals(418, Curl.get(port, "/").status(), "the runtime turned the abort on");
                }
                assertTrue(proxy.metric("envoy_runtime_load_success") > loads);
                assertEquals(2.0, proxy.metric("envoy_runtime_num_keys"), "first.version left with v1");
                // the RTDS subscription's own stats, in RtdsSubscription's runtime. scope (counted just after the
                // layer is published)
                deadline = System.currentTimeMillis() + 10_000;
                while (proxy.metric("envoy_runtime_update_success") != 2.0) {
                    assertTrue(System.currentTimeMillis() < deadline, "v1 and v2 counted");
                    Thread.sleep(50);
                }
                // the rest of its SubscriptionStats: an attempt as GrpcSubscriptionImpl::start runs and one per
                // response; the version accepted last (xxHash64) and when
                assertEquals(3.0, proxy.metric("envoy_runtime_update_attempt"));
                assertEquals(Double.parseDouble(Long.toUnsignedString(io.remora.upstream.lb.XxHash64.hash("v2"))),
                        proxy.metric("envoy_runtime_version"));
                assertTrue(proxy.metric("envoy_runtime_update_time") > 0);
                assertTrue(proxy.admin("/stats/prometheus").lines().anyMatch(l -> l.startsWith("envoy_runtime_update_failure ")),
                        "every stat of the subscription exists from its start");

                Struct bad = Struct.newBuilder().putFields("fault", Value.newBuilder().setListValue(
                        ListValue.newBuilder().addValues(Value.newBuilder().setNumberValue(1))).build()).build();
                rtds.set(Runtime.newBuilder().setName("rtds-0").setLayer(bad).build(), "v3");
                deadline = System.currentTimeMillis() + 10_000;
                while (rtds.lastNackReason() == null) {
                    assertTrue(System.currentTimeMillis() < deadline, "v3 NACKed");
                    Thread.sleep(50);
                }
                String reason = rtds.lastNackReason();
                assertNotNull(reason);
                assertTrue(reason.contains("rtds-0") && reason.contains("fault"), reason);
                assertEquals(418, Curl.get(port, "/").status(), "the last good layer keeps serving");
                assertEquals("100", entry(proxy, "fault.http.abort.abort_percent").get("final_value").getAsString());
                assertTrue(proxy.metric("envoy_runtime_update_rejected") >= 1.0, "v3 NACKed");
                assertEquals(2.0, proxy.metric("envoy_runtime_update_success"));
                assertTrue(proxy.metric("envoy_runtime_update_attempt") >= 4.0, "the rejected response was an attempt");
            }
        }
    }

    /** rtds_config with an api_config_source of its own, no ADS: the layer comes on a RuntimeDiscoveryService stream. */
    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void rtdsLayerFromItsOwnApiConfigSource(boolean delta) throws Exception {
        try (TestUpstream upstream = TestUpstream.text("app"); RuntimeDiscoveryServer rtds = new RuntimeDiscoveryServer().start()) {
            rtds.set(runtime(0, null), "v1");
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String ads = bootstrap(admin, port, upstream.port(), rtds.port, delta);
            String yaml = ads.replace(ads.substring(ads.indexOf("  ads_config:"), ads.indexOf("layered_runtime:")), "")
                    .replace("rtds_config: { ads: {}, resource_api_version: V3 }", "rtds_config: { resource_api_version: V3,"
                            + " api_config_source: { api_type: " + (delta ? "DELTA_GRPC" : "GRPC") + ", transport_api_version: V3,"
                            + " grpc_services: [{ envoy_grpc: { cluster_name: xds-grpc } }] } }");
            assertTrue(!yaml.contains("ads_config") && yaml.contains("api_config_source"), yaml);
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                assertEquals("0", entry(proxy, "fault.http.abort.abort_percent").get("final_value").getAsString(),
                        "ready with the RTDS layer loaded");
                assertEquals(200, Curl.get(port, "/").status());
                rtds.set(runtime(100, null), "v2");
                long deadline = System.currentTimeMillis() + 10_000;
                while (!entry(proxy, "fault.http.abort.abort_percent").get("final_value").getAsString().equals("100")) {
                    assertTrue(System.currentTimeMillis() < deadline, "RTDS v2 applied: " + proxy.admin("/runtime"));
                    Thread.sleep(50);
                }
                assertEquals(418, Curl.get(port, "/").status(), "the runtime turned the abort on");
                assertTrue(rtds.runtimeServiceStreams.get() >= 1, "RuntimeDiscoveryService was called");
            }
        }
    }

    /**
     * A file holding two Runtime resources, the layer's among them: Envoy's filesystem subscription hands both to
     * RtdsSubscription, which refuses any count but one (update_rejected); the layer keeps what it had.
     */
    @org.junit.jupiter.api.Test
    void anRtdsFileWithTwoResourcesIsRejected() throws Exception {
        java.nio.file.Path dir = TempPaths.directory("rtds");
        java.nio.file.Path file = dir.resolve("rtds.yaml");
        writeRuntimeFile(file, "1", 0);
        try (TestUpstream upstream = TestUpstream.text("app")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String yaml = fileLayerBootstrap(admin, port, upstream.port(), "", file);
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                assertEquals("0", entry(proxy, "fault.http.abort.abort_percent").get("final_value").getAsString());
                assertEquals(1.0, proxy.metric("envoy_runtime_update_success"));
                writeRuntimeFile(file, "2", 100, """
                        - "@type": type.googleapis.com/envoy.service.runtime.v3.Runtime
                          name: rtds-other
                          layer: { other: 1 }
                        """);
                long deadline = System.currentTimeMillis() + 10_000;
                while (proxy.metric("envoy_runtime_update_rejected") < 1.0) {
                    assertTrue(System.currentTimeMillis() < deadline, "the file rejected: " + proxy.admin("/stats"));
                    Thread.sleep(50);
                }
                assertEquals("0", entry(proxy, "fault.http.abort.abort_percent").get("final_value").getAsString(),
                        "the layer keeps its last value");
                assertEquals(1.0, proxy.metric("envoy_runtime_update_success"));
            }
        }
    }

    /**
     * A file whose one Runtime is named otherwise than the layer reading it: RtdsSubscription::onConfigUpdate refuses
     * it ({@code Unexpected RTDS runtime (expecting rtds-0): rtds-other}, update_rejected); the layer keeps what it had.
     */
    @org.junit.jupiter.api.Test
    void anRtdsFileNamingAnotherRuntimeIsRejected() throws Exception {
        java.nio.file.Path file = TempPaths.directory("rtds").resolve("rtds.yaml");
        writeRuntimeFile(file, "1", 0);
        try (TestUpstream upstream = TestUpstream.text("app")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            try (ProxyProcess proxy = ProxyProcess.start(fileLayerBootstrap(admin, port, upstream.port(), "", file), admin)) {
                assertEquals(1.0, proxy.metric("envoy_runtime_update_success"));
                writeRuntimeFile(file, "2", 100, "", "rtds-other");
                long deadline = System.currentTimeMillis() + 10_000;
                while (proxy.metric("envoy_runtime_update_rejected") < 1.0) {
                    assertTrue(System.currentTimeMillis() < deadline, "the file rejected: " + proxy.admin("/stats"));
                    Thread.sleep(50);
                }
                assertEquals("0", entry(proxy, "fault.http.abort.abort_percent").get("final_value").getAsString(),
                        "the layer keeps its last value");
                assertEquals(1.0, proxy.metric("envoy_runtime_update_success"));
            }
        }
    }

    /** A proxy routing to {@code upstreamPort} through {@code httpFilters}, its runtime layer "rtds-0" read from {@code file}. */
    private static String fileLayerBootstrap(int admin, int port, int upstreamPort, String httpFilters,
                                             java.nio.file.Path file) throws java.io.IOException {
        return Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(),
                "- match: { prefix: \"/\" }\n  route: { cluster: app }\n",
                Bootstraps.cluster("app", false, null, upstreamPort), "", httpFilters)
                + """
                layered_runtime:
                  layers:
                  - name: rtds
                    rtds_layer: { name: rtds-0, rtds_config: { path_config_source: { path: %s } } }
                """.formatted(file);
    }

    private static void writeRuntimeFile(java.nio.file.Path file, String version, int abortPercent) throws Exception {
        writeRuntimeFile(file, version, abortPercent, "");
    }

    private static void writeRuntimeFile(java.nio.file.Path file, String version, int abortPercent, String more)
            throws Exception {
        writeRuntimeFile(file, version, abortPercent, more, "rtds-0");
    }

    private static void writeRuntimeFile(java.nio.file.Path file, String version, int abortPercent, String more,
                                         String name) throws Exception {
        java.nio.file.Path tmp = file.resolveSibling("rtds.tmp");
        java.nio.file.Files.writeString(tmp, """
                version_info: "%s"
                resources:
                - "@type": type.googleapis.com/envoy.service.runtime.v3.Runtime
                  name: %s
                  layer: { fault: { http: { abort: { abort_percent: %d } } } }
                """.formatted(version, name, abortPercent) + more);
        // moved into place, as Envoy's docs ask of file-delivered xDS
        java.nio.file.Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    @org.junit.jupiter.api.Test
    void rtdsLayerFromAPathConfigSourceFile() throws Exception {
        java.nio.file.Path dir = TempPaths.directory("rtds");
        java.nio.file.Path file = dir.resolve("rtds.yaml");
        writeRuntimeFile(file, "1", 0);
        try (TestUpstream upstream = TestUpstream.text("app")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String yaml = fileLayerBootstrap(admin, port, upstream.port(), """
                    - name: envoy.filters.http.fault
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                        abort: { http_status: 418, percentage: { numerator: 100 } }
                    """, file);
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                assertEquals("0", entry(proxy, "fault.http.abort.abort_percent").get("final_value").getAsString());
                assertEquals(200, Curl.get(port, "/").status(), "the file's 0 overrides the filter's 100%");
                writeRuntimeFile(file, "2", 100);
                long deadline = System.currentTimeMillis() + 10_000;
                while (!entry(proxy, "fault.http.abort.abort_percent").get("final_value").getAsString().equals("100")) {
                    assertTrue(System.currentTimeMillis() < deadline, "file update applied: " + proxy.admin("/runtime"));
                    Thread.sleep(50);
                }
                assertEquals(418, Curl.get(port, "/").status());
            }
        }
    }
}
