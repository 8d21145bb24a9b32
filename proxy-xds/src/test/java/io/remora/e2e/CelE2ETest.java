package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CEL through a running proxy, where Envoy and Istio configs carry it: an access log keeping only
 * errors by an ExpressionFilter and printing {@code %CEL(...)%}; an RBAC policy whose condition
 * denies on a header; istio.stats with a tag computed by an expression and a custom counter.
 */
class CelE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream upstream;
    static ProxyProcess proxy;
    static Path errors;

    static final String BOOTSTRAP = Bootstraps.ingress("""
            access_log:
            - name: envoy.access_loggers.file
              filter:
                extension_filter:
                  name: envoy.access_loggers.extension_filters.cel
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.filters.cel.v3.ExpressionFilter
                    expression: "response.code >= 400"
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                path: ${LOG}
                log_format:
                  text_format_source:
                    inline_string: "%REQ(:PATH)% %RESPONSE_CODE% %CEL(request.headers['x-tag'])% %CEL(request.url_path):4%\\n"
                  formatters:
                  - name: envoy.formatter.cel
                    typed_config: { "@type": type.googleapis.com/envoy.extensions.formatter.cel.v3.Cel }
            """, """
            - name: envoy.filters.http.rbac
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
                rules:
                  action: DENY
                  policies:
                    blocked:
                      permissions: [{ any: true }]
                      principals: [{ any: true }]
                      condition:
                        call_expr:
                          function: _==_
                          args:
                          - call_expr:
                              function: _[_]
                              args:
                              - select_expr: { operand: { ident_expr: { name: request } }, field: headers }
                              - const_expr: { string_value: x-block }
                          - const_expr: { string_value: "yes" }
                    global-starts-with:
                      permissions: [{ any: true }]
                      principals: [{ any: true }]
                      condition:
                        call_expr:
                          function: startsWith
                          args:
                          - select_expr: { operand: { ident_expr: { name: request } }, field: path }
                          - const_expr: { string_value: /x/a/denied }
            - name: istio.stats
              typed_config:
                "@type": type.googleapis.com/stats.PluginConfig
                definitions:
                - { name: hits, value: "1", type: COUNTER }
                metrics:
                - name: hits
                  dimensions: { path: request.url_path }
                - name: requests_total
                  dimensions:
                    source_app: "'from-cel'"
                    request_method: request.method
                    broken: no_such_attribute.x
                  tags_to_remove: [grpc_response_status]
            """,
            "- { match: { prefix: \"/x\" }, route: { cluster: web } }");

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.upstream((ctx, req, n) ->
                TestUpstream.send(ctx, req, req.uri().contains("fail") ? 503 : 200, "ok"));
        errors = TempPaths.file("cel-errors", ".log");
        proxy = stack.start(stack.render(BOOTSTRAP, Map.of("LOG", errors,
                        "CLUSTERS", Bootstraps.indent(Bootstraps.cluster("web", false, null, upstream.port()), 2))),
                List.of(), "--file-flush-interval-msec", "100");
    }

    static int get(String path, String... headers) throws Exception {
        String[] args = new String[headers.length * 2 + 1];
        for (int i = 0; i < headers.length; i++) {
            args[2 * i] = "-H";
            args[2 * i + 1] = headers[i];
        }
        args[args.length - 1] = stack.url(path);
        return Curl.run(args).status();
    }

    @Test
    void accessLogKeepsErrorsAndPrintsExpressions() throws Exception {
        assertEquals(200, get("/x/ok", "x-tag: kept-out"));
        assertEquals(503, get("/x/fail", "x-tag: t1"));
        assertEquals(404, get("/missing"));
        assertEquals(403, get("/x/end", "x-block: yes", "x-tag: last"));
        List<String> lines = LogFiles.await(errors, l -> l.stream().anyMatch(s -> s.startsWith("/x/end ")));
        // 2xx left out by the filter; a missing header prints '-'; ':4' truncates.
        assertEquals(List.of("/x/fail 503 t1 /x/f", "/missing 404 - /mis", "/x/end 403 last /x/e"),
                lines.stream().filter(l -> !l.startsWith("/x/a")).toList(), "the RBAC test's denials aside");
    }

    @Test
    void rbacConditionDeniesOnlyWhenTrue() throws Exception {
        assertEquals(403, get("/x/a", "x-block: yes"));
        assertEquals(200, get("/x/a", "x-block: no"));
        // No header: the condition fails to evaluate, so the DENY policy does not match.
        assertEquals(200, get("/x/a"));
        // startsWith called as a global function, as cel-cpp takes it (Envoy's RBAC examples).
        assertEquals(403, get("/x/a/denied/1"));
        assertEquals(200, get("/x/a/allowed"));
    }

    @Test
    void istioStatsDimensionsAndCustomMetric() throws Exception {
        assertEquals(200, get("/x/stats"));
        assertEquals(200, get("/x/stats"));
        PrometheusSamples.awaitSample(proxy, "istio_hits", Map.of("path", "/x/stats"), 2);
        Map<String, String> labels = Map.of("source_app", "from-cel", "request_method", "GET", "broken", "unknown",
                "response_code", "200");
        assertTrue(PrometheusSamples.sampleSubset(proxy, "istio_requests_total", labels) >= 2,
                proxy.admin("/stats/prometheus"));
        String prom = proxy.admin("/stats/prometheus");
        assertFalse(prom.lines().anyMatch(l -> l.startsWith("istio_requests_total{")
                && l.contains("grpc_response_status")), prom);
        // The custom counter carries its dimensions only, as istio-proxy's.
        assertTrue(prom.contains("istio_hits{path=\"/x/stats\"} 2"), prom);
    }
}
