package io.remora.xds.translate;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code envoy.tracers.zipkin}: what Remora does not build is named in a warning. */
class ZipkinTracerTranslationTest {

    private static final String FIELDS = "collector_cluster: zipkin\ncollector_endpoint: /api/v2/spans\n"
            + "collector_endpoint_version: HTTP_JSON\n";

    private static List<String> warnings(String fields) {
        TranslationContext ctx = new TranslationContext(Set.of("zipkin"));
        BootstrapTracers.provider("envoy.tracers.zipkin", "envoy.config.trace.v3.ZipkinConfig", fields, ctx);
        return ctx.warnings();
    }

    /** Envoy makes a server span and a client span per request with it; Remora keeps one span. */
    @Test
    void splitSpansForRequestIsWarnedAbout() {
        assertEquals(List.of(), warnings(FIELDS + "split_spans_for_request: false\n"));
        List<String> w = warnings(FIELDS + "split_spans_for_request: true\n");
        assertTrue(w.size() == 1 && w.get(0).contains("tracing.http.typed_config.split_spans_for_request"),
                w.toString());
    }
}
