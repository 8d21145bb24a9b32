package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An extension that exists only in the test tree (com.example.stamp: an HTTP filter and a network
 * filter whose config messages have no generated classes) registers through its own
 * META-INF/services file and runs in a proxy started as users start it: its config is read from
 * YAML by type URL, its per-route config applies, a route disables it, and the network filter's
 * connection state reaches the HTTP filter.
 */
class ThirdPartyExtensionE2ETest {

    @Test
    void aTestTreeExtensionRegistersAndRuns() throws Exception {
        try (TestUpstream upstream = TestUpstream.text("hello")) {
            int admin = ProxyProcess.freePort();
            int listener = ProxyProcess.freePort();
            Path dir = TempPaths.directory("stamp");
            String routes = """
                    - match: { prefix: "/override" }
                      route: { cluster: backend }
                      typed_per_filter_config:
                        example.stamp:
                          "@type": type.googleapis.com/example.stamp.v1.StampPerRoute
                          value: from-route
                    - match: { prefix: "/off" }
                      route: { cluster: backend }
                      typed_per_filter_config:
                        example.stamp:
                          "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig
                          disabled: true
                    - match: { prefix: "/" }
                      route: { cluster: backend }
                    """;
            String networkFilters = """
                    - name: example.connection_stamp
                      typed_config:
                        "@type": type.googleapis.com/example.stamp.v1.ConnectionStamp
                        key: tenant
                        value: blue
                    """;
            String httpFilters = """
                    - name: example.stamp
                      typed_config:
                        "@type": type.googleapis.com/xds.type.v3.TypedStruct
                        type_url: type.googleapis.com/example.stamp.v1.Stamp
                        value: { header: X-Stamp, value: from-hcm }
                    """;
            String bootstrap = Bootstraps.http(admin, listener, dir.resolve("access.log").toString(), routes,
                    Bootstraps.cluster("backend", false, null, upstream.port()), networkFilters, httpFilters);
            try (ProxyProcess proxy = ProxyProcess.start(bootstrap, admin)) {
                HttpClient client = HttpClient.newHttpClient();
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + listener + "/plain")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode());
                assertEquals("hello", r.body());
                assertEquals("from-hcm", upstream.lastHeaders.get("x-stamp"));
                assertEquals("from-hcm", r.headers().firstValue("x-stamped-by").orElse(null));
                assertEquals("blue", r.headers().firstValue("x-connection-stamp").orElse(null),
                        "the network filter's state reached the HTTP filter");

                r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + listener + "/override")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals("from-route", upstream.lastHeaders.get("x-stamp"));
                assertEquals("from-route", r.headers().firstValue("x-stamped-by").orElse(null));

                r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + listener + "/off")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode());
                assertFalse(upstream.lastHeaders.containsKey("x-stamp"), "the route disabled the filter");
                assertTrue(r.headers().firstValue("x-stamped-by").isEmpty());
            }
        }
    }
}
