package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * envoy.filters.http.admission_control through a real proxy: once the upstream's answers count as
 * failures (here a 418, outside the configured success range [100, 400)), requests are rejected
 * locally with a 503 that never reaches the upstream and is counted in rq_rejected; the
 * enabled runtime flag turns it into a pass-through that records nothing, and below rps_threshold
 * (its runtime key) nothing is rejected.
 */
class AdmissionControlE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream upstream;
    static ProxyProcess proxy;
    static Path accessLog;
    static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    static final String PROM = "{envoy_http_conn_manager_prefix=\"ingress\"}";

    static final String BOOTSTRAP = Bootstraps.ingress(Bootstraps.DETAILS_ACCESS_LOG, """
            - name: envoy.filters.http.admission_control
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.admission_control.v3.AdmissionControl
                enabled: { default_value: true, runtime_key: ac.enabled }
                success_criteria:
                  http_criteria: { http_success_status: [{ start: 100, end: 400 }] }
                sampling_window: 120s
                aggression: { default_value: 1.0, runtime_key: ac.aggression }
                sr_threshold: { default_value: { value: 95 }, runtime_key: ac.sr_threshold }
                rps_threshold: { default_value: 0, runtime_key: ac.rps_threshold }
                max_rejection_probability: { default_value: { value: 80 }, runtime_key: ac.max_rejection }
            """,
            "- { match: { prefix: \"/\" }, route: { cluster: web } }") + """
            layered_runtime:
              layers: [{ name: admin, admin_layer: {} }]
            """;

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req,
                req.uri().startsWith("/teapot") ? 418 : 200, "upstream " + req.uri()));
        accessLog = TempPaths.file("admission-access", ".log");
        proxy = stack.start(stack.render(BOOTSTRAP, Map.of("LOG", accessLog,
                        "CLUSTERS", Bootstraps.indent(Bootstraps.cluster("web", false, null, upstream.port()), 2))),
                List.of("-Xmx256m"), "--file-flush-interval-msec", "100");
    }

    static HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(stack.url(path))).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static double stat(String name) throws Exception {
        return proxy.metric("envoy_http_admission_control_" + name + PROM);
    }

    private static int runtimeModify(String query) throws Exception {
        return client.send(HttpRequest.newBuilder(proxy.adminUri("/runtime_modify?" + query))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void failuresBeyondTheThresholdGetRequestsRejected() throws Exception {
        double successes = stat("rq_success");
        for (int i = 0; i < 5; i++) {
            assertEquals(200, get("/ok/" + i).statusCode(), "all successes so far: nothing is rejected");
        }
        assertEquals(successes + 5, stat("rq_success"));
        assertEquals(0, stat("rq_rejected"));

        // Every 418 is a failure: the rejection probability climbs to max_rejection_probability (80%).
        int seen = upstream.requests.get();
        int failures = 0;
        HttpResponse<String> rejected = null;
        String rejectedPath = null;
        for (int i = 0; i < 200 && rejected == null; i++) {
            HttpResponse<String> r = get("/teapot/" + i);
            if (r.statusCode() == 503) {
                rejected = r;
                rejectedPath = "/teapot/" + i;
            } else {
                assertEquals(418, r.statusCode());
                assertEquals("upstream /teapot/" + i, r.body());
                failures++;
            }
        }
        assertTrue(rejected != null, "never rejected after " + failures + " failures");
        assertEquals("", rejected.body());
        assertEquals(1, stat("rq_rejected"));
        assertEquals(failures, stat("rq_failure"));
        assertEquals(seen + failures, upstream.requests.get(), "the rejected request never reached the upstream");
        assertTrue(HttpProxyE2ETest.awaitLogLine(accessLog, rejectedPath + " ")
                .endsWith(rejectedPath + " 503 denied_by_admission_control"));

        // Most of what follows is rejected too (at most 80%, never recorded as failures).
        double failuresBefore = stat("rq_failure");
        int more = 0;
        for (int i = 0; i < 40; i++) {
            if (get("/teapot/more/" + i).statusCode() == 503) {
                more++;
            }
        }
        assertTrue(more > 0, "no further rejections");
        assertEquals(1 + more, stat("rq_rejected"));
        assertEquals(failuresBefore + 40 - more, stat("rq_failure"));

        // enabled's runtime key off: a pass-through that records nothing.
        try {
            assertEquals(200, runtimeModify("ac.enabled=false"));
            int before = upstream.requests.get();
            double recorded = stat("rq_failure");
            for (int i = 0; i < 20; i++) {
                assertEquals(418, get("/teapot/off/" + i).statusCode(), "disabled: request " + i);
            }
            assertEquals(before + 20, upstream.requests.get());
            assertEquals(1 + more, stat("rq_rejected"));
            assertEquals(recorded, stat("rq_failure"));
        } finally {
            runtimeModify("ac.enabled=");
        }

        // Below rps_threshold (its runtime key raised far above this test's rate) nothing is rejected,
        // but outcomes are still recorded.
        try {
            assertEquals(200, runtimeModify("ac.rps_threshold=100000"));
            int before = upstream.requests.get();
            double recorded = stat("rq_failure");
            for (int i = 0; i < 20; i++) {
                assertEquals(418, get("/teapot/quiet/" + i).statusCode(), "below rps_threshold: request " + i);
            }
            assertEquals(before + 20, upstream.requests.get());
            assertEquals(recorded + 20, stat("rq_failure"));
        } finally {
            runtimeModify("ac.rps_threshold=");
        }
    }

    @Test
    void statsHaveEnvoyNames() throws Exception {
        // Stats exist once a stream has run (admitted, or rejected when the other test ran first).
        int status = get("/ok/names").statusCode();
        assertTrue(status == 200 || status == 503, "status " + status);
        String dotted = proxy.admin("/stats?filter=admission_control");
        for (String stat : List.of("rq_rejected", "rq_success", "rq_failure")) {
            assertTrue(dotted.contains("http.ingress.admission_control." + stat + ": "), dotted);
        }
    }
}
