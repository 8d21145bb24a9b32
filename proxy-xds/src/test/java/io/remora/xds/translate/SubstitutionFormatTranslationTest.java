package io.remora.xds.translate;

import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.bootstrap.ConfigDocuments;
import io.remora.xds.bootstrap.ProtoJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Format strings refused where Envoy's substitution format parser refuses them, the error naming
 * the field, and Envoy's deprecation warning for the legacy header-value syntax it converts.
 */
class SubstitutionFormatTranslationTest {

    private static final String LOG = AccessLogFilterTranslationTest.LOG + ".typed_config.log_format";

    private static void loadWithLogFormat(String logFormat) {
        new BootstrapLoader().loadString(HcmListenerYaml.listener("""
                access_log:
                - name: envoy.access_loggers.stdout
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog
                    log_format:
                """ + logFormat.indent(6), "route: { cluster: c1 }") + HcmListenerYaml.CLUSTER_C1, "test.yaml");
    }

    @Test
    void anAccessLogFormatEnvoyRefusesIsRefusedAtItsField() {
        var e = assertThrows(TranslationException.class, () -> loadWithLogFormat("text_format: \"%PROTOCOL:4%\\n\""));
        assertEquals(LOG + ".text_format", e.path());
        assertTrue(e.getMessage().contains("PROTOCOL does not take any parameters or length"), e.getMessage());
        e = assertThrows(TranslationException.class, () -> loadWithLogFormat("""
                json_format: { code: "%RESPONSE_CODE%", path: "%REQ%" }
                """));
        assertEquals(LOG + ".json_format.path", e.path());
        assertTrue(e.getMessage().contains("REQ requires parameters"), e.getMessage());
        e = assertThrows(TranslationException.class, () -> loadWithLogFormat("""
                json_format: { nested: { md: "%DYNAMIC_METADATA(ns:k):3%" } }
                """));
        assertEquals(LOG + ".json_format.nested.md", e.path());
        assertTrue(e.getMessage().contains("DYNAMIC_METADATA does not allow length to be specified."), e.getMessage());
        e = assertThrows(TranslationException.class, () -> loadWithLogFormat("text_format: \"50% off\""));
        assertTrue(e.getMessage().contains("Couldn't find valid command at position 2"), e.getMessage());
        loadWithLogFormat("text_format: \"%REQ(:PATH):10% %PROTOCOL()% %START_TIME(%s)% 100%%\\n\"");
    }

    private static RouteConfiguration withRouteHeader(String value) {
        String yaml = "name: r\nvirtual_hosts:\n- name: v\n  domains: ['*']\n  routes:\n"
                + "  - match: { prefix: /a }\n    route: { cluster: c }\n"
                + "    response_headers_to_add: [ { header: { key: x-h, value: '" + value + "' } } ]\n"
                + "  - match: { prefix: /b }\n    route: { cluster: c }\n"
                + "    response_headers_to_add: [ { header: { key: x-h, value: '" + value + "' } } ]\n";
        return ProtoJson.merge(ConfigDocuments.parseYaml(yaml, "r.yaml"), RouteConfiguration.newBuilder(),
                FieldPath.ROOT, TranslationContext.lenient()).build();
    }

    @Test
    void legacyHeaderSyntaxIsConvertedWithEnvoysWarningOncePerField() {
        TranslationContext ctx = TranslationContext.lenient();
        RouteConfiguration rc = withRouteHeader("%UPSTREAM_METADATA([\"envoy.lb\", \"zone\"])% %PER_REQUEST_STATE(k)%");
        RouteConfigurationTranslator.translate(rc, FieldPath.of("route_config"), ctx);
        RouteConfigurationTranslator.translate(rc, FieldPath.of("route_config"), ctx);
        List<String> warnings = ctx.warnings();
        assertEquals(4, warnings.size(), warnings.toString());
        String route0 = "route_config.virtual_hosts[0].routes[0].response_headers_to_add[0].header.value";
        assertEquals("Header formatter: JSON format of UPSTREAM_METADATA parameters has been obsoleted. Use colon"
                + " format: %UPSTREAM_METADATA(envoy.lb:zone)% (at " + route0 + ")", warnings.get(0));
        assertEquals("PER_REQUEST_STATE header formatter has been obsoleted. Use %FILTER_STATE(k:PLAIN)% (at "
                + route0 + ")", warnings.get(1));
        assertTrue(warnings.get(2).endsWith("routes[1].response_headers_to_add[0].header.value)"), warnings.get(2));
    }

    @Test
    void aHeaderValueWithALengthItsOperatorTakesNoneIsRefused() {
        var e = assertThrows(TranslationException.class, () -> RouteConfigurationTranslator.translate(
                withRouteHeader("%RESPONSE_CODE:2%"), FieldPath.of("route_config"), TranslationContext.lenient()));
        assertEquals("route_config.virtual_hosts[0].routes[0].response_headers_to_add[0].header.value", e.path());
        assertTrue(e.getMessage().contains("RESPONSE_CODE does not take any parameters or length"), e.getMessage());
    }

    @AfterEach
    void restoreLogging() {
        io.remora.log.Logging.uninstall();
    }

    @Test
    void validateModeRefusesAnOperatorGivenAParameterItTakesNone(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("b.yaml");
        Files.writeString(f, HcmListenerYaml.listener("""
                access_log:
                - name: envoy.access_loggers.stdout
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog
                    log_format: { text_format: "%PROTOCOL(x)%" }
                """, "route: { cluster: c1 }") + HcmListenerYaml.CLUSTER_C1);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new io.remora.xds.Main(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)).run(new String[] {"--mode", "validate", "-c", f.toString()});
        assertEquals(1, code);
        assertEquals("error: " + LOG + ".text_format: access log format: PROTOCOL does not take any parameters or length",
                err.toString(StandardCharsets.UTF_8).strip());
    }
}
