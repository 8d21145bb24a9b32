package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The set_metadata filter through a real proxy, read back with {@code %DYNAMIC_METADATA%} in the
 * access log: a new namespace is set, an existing one is merged into only when the entry allows it
 * (structs merged, lists appended, scalars replaced), and each refusal is counted.
 */
class SetMetadataE2ETest {

    @RegisterExtension
    static final E2EStack stack = E2EStack.checkingLeaks();
    static TestUpstream upstream;
    static ProxyProcess proxy;
    static Path accessLog;

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.own(TestUpstream.text("ok"));
        accessLog = TempPaths.file("set-metadata-access", ".log");
        String routes = """
                - match: { prefix: "/" }
                  route: { cluster: app }
                """;
        // A second filter instance, so that its entries meet the namespaces the first one set.
        String filters = """
                - name: envoy.filters.http.set_metadata
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.set_metadata.v3.Config
                    metadata_namespace: legacy
                    value: { version: 2 }
                    metadata:
                    - metadata_namespace: app
                      value: { tier: gold, tags: [a], nested: { x: "1" }, kept: "yes" }
                - name: second.set_metadata
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.set_metadata.v3.Config
                    metadata:
                    - metadata_namespace: app
                      allow_overwrite: true
                      value: { tier: platinum, tags: [b], nested: { y: "2" } }
                    - metadata_namespace: app
                      value: { tier: denied }
                    - metadata_namespace: legacy
                      value: { version: 3 }
                    - metadata_namespace: fresh
                      value: { enabled: true }
                """;
        String yaml = stack.http(accessLog.toString(), routes,
                Bootstraps.cluster("app", false, null, upstream.port()), "", filters);
        yaml = Bootstraps.logFormat(yaml, accessLog, "%REQ(:PATH)% %DYNAMIC_METADATA(app:tier)% "
                + "%DYNAMIC_METADATA(app:tags)% %DYNAMIC_METADATA(app:nested)% %DYNAMIC_METADATA(app:kept)% "
                + "%DYNAMIC_METADATA(legacy:version)% %DYNAMIC_METADATA(fresh:enabled)%");
        proxy = stack.start(yaml);
    }

    @Test
    void namespacesAreSetMergedOrLeftAlone() throws Exception {
        String denied = "envoy_http_set_metadata_overwrite_denied{envoy_http_conn_manager_prefix=\"ingress\"}";
        double before = proxy.metric(denied);
        for (String path : List.of("/one", "/two")) {
            Curl r = Curl.run(stack.url(path));
            assertEquals(200, r.status());
            assertEquals("ok", r.text());
        }
        List<String> lines = LogFiles.await(accessLog, 2);
        for (String path : List.of("/one", "/two")) {
            String line = lines.stream().filter(s -> s.startsWith(path + " ")).findFirst().orElseThrow();
            assertEquals(path + " platinum [\"a\",\"b\"] {\"x\":\"1\",\"y\":\"2\"} yes 2 true", line,
                    "each request starts afresh: the lists do not grow from one to the next");
        }
        assertEquals(before + 4, proxy.metric(denied), "two refusals per request (app, legacy)");
    }
}
