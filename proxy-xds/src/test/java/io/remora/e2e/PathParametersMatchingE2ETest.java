package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * RouteConfiguration.ignore_path_parameters_in_path_matching: routes match the path up to its
 * first ';', and the upstream still gets the path as it came. A URI template route matches the
 * path with its parameters, as Envoy's UriTemplateMatcherRouteEntryImpl does not sanitize it.
 */
class PathParametersMatchingE2ETest {

    private static final String ROUTES = """
            - match: { path: "/exact" }
              route: { cluster: up }
              response_headers_to_add: [ { header: { key: x-route, value: exact } } ]
            - match: { safe_regex: { regex: "/re/[a-z]+" } }
              route: { cluster: up }
              response_headers_to_add: [ { header: { key: x-route, value: regex } } ]
            - match: { path_separated_prefix: "/sep" }
              route: { cluster: up }
              response_headers_to_add: [ { header: { key: x-route, value: separated } } ]
            - match:
                path_match_policy:
                  name: envoy.path.match.uri_template.uri_template_matcher
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig
                    path_template: "/tpl/{v}"
              route: { cluster: up }
              response_headers_to_add: [ { header: { key: x-route, value: template } } ]
            - match: { prefix: "/" }
              direct_response: { status: 404, body: { inline_string: "no route" } }
            """;

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(java.time.Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void pathParametersAreLeftOutOfMatchingOnly() throws Exception {
        try (TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String yaml = Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(), ROUTES,
                    Bootstraps.cluster("up", false, null, up.port()))
                    .replaceFirst("( +)name: local\n", "$1name: local\n$1ignore_path_parameters_in_path_matching: true\n");
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                assertRoutedTo(port, up, "/exact;jsessionid=a1?q=1", "exact");
                assertRoutedTo(port, up, "/re/abc;v=2", "regex");
                assertRoutedTo(port, up, "/sep;x=1", "separated");
                // Envoy cuts at the first ';': what follows a parameter takes no part in matching.
                assertRoutedTo(port, up, "/exact;p/more", "exact");
                HttpResponse<String> r = get(port, "/exactly;p");
                assertEquals(404, r.statusCode(), "the path before ';' must still match");
                assertEquals("no route", r.body());
                assertRoutedTo(port, up, "/tpl/a;x=1", "template");
                r = get(port, "/tpl/a;x=1/more");
                assertEquals(404, r.statusCode(), "a template matches the parameters and what follows them");
            }
        }
    }

    private static void assertRoutedTo(int port, TestUpstream up, String path, String route) throws Exception {
        HttpResponse<String> r = get(port, path);
        assertEquals(200, r.statusCode(), path);
        assertEquals(route, r.headers().firstValue("x-route").orElse(null), path);
        assertEquals(path, up.lastHeaders.get(":path"), "the upstream gets the path with its parameters");
    }
}
