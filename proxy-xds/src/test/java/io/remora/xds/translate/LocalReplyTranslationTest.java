package io.remora.xds.translate;

import io.remora.config.AccessLogFilter;
import io.remora.config.HeaderMutation;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.LocalReplyConfig;
import io.remora.xds.bootstrap.BootstrapLoader;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** local_reply_config as Envoy reads it, and refused ones naming the field. */
class LocalReplyTranslationTest {

    static final String CONFIG = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config"
            + ".local_reply_config";

    static LocalReplyConfig load(String localReplyConfig) {
        String yaml = HcmListenerYaml.listener("local_reply_config:\n" + localReplyConfig.indent(2),
                "route: { cluster: c1 }") + HcmListenerYaml.CLUSTER_C1;
        var hcm = (HttpConnectionManagerConfig) new BootstrapLoader().loadString(yaml, "test.yaml").model()
                .listeners().get(0).filterChains().get(0).terminalFilter();
        return hcm.localReply();
    }

    static String refused(String localReplyConfig) {
        return assertThrows(TranslationException.class, () -> load(localReplyConfig)).getMessage();
    }

    @Test
    void mappersAndFormats() {
        LocalReplyConfig c = load("""
                mappers:
                - filter: { status_code_filter: { comparison: { op: GE, value: { default_value: 500, runtime_key: k } } } }
                  status_code: 502
                  body: { inline_string: oops }
                  headers_to_add: [{ header: { key: X-A, value: "%REQ(x-b)%" }, append_action: OVERWRITE_IF_EXISTS_OR_ADD }]
                  body_format_override:
                    json_format: { status: "%RESPONSE_CODE%" }
                    content_type: application/problem+json
                - filter: { header_filter: { header: { name: x-c, present_match: true } } }
                body_format:
                  text_format_source: { inline_string: "%LOCAL_REPLY_BODY%!" }
                  omit_empty_values: true
                """);
        assertEquals(2, c.mappers().size());
        LocalReplyConfig.Mapper m = c.mappers().get(0);
        assertEquals(new AccessLogFilter.StatusCode(new AccessLogFilter.Comparison(AccessLogFilter.Comparison.Op.GE,
                500, "k")), m.filter());
        assertEquals(502, m.statusCode());
        assertEquals("oops", m.body());
        assertEquals(List.of(new HeaderMutation.HeaderValueOption("x-a", "%REQ(x-b)%",
                HeaderMutation.AppendAction.OVERWRITE_IF_EXISTS_OR_ADD, false)), m.headersToAdd().add());
        assertEquals(new LocalReplyConfig.BodyFormat(null, Map.of("status", "%RESPONSE_CODE%"), false,
                "application/problem+json"), m.bodyFormatOverride());
        LocalReplyConfig.Mapper second = c.mappers().get(1);
        assertEquals(0, second.statusCode());
        assertNull(second.body());
        assertNull(second.bodyFormatOverride());
        assertEquals(new LocalReplyConfig.BodyFormat("%LOCAL_REPLY_BODY%!", null, true, null), c.bodyFormat());
    }

    @Test
    void refusalsNameTheirField() {
        String noFilter = refused("mappers: [{ status_code: 500 }]");
        assertTrue(noFilter.contains(CONFIG + ".mappers[0].filter"), noFilter);

        String status = refused("mappers: [{ filter: { not_health_check_filter: {} }, status_code: 100 }]");
        assertTrue(status.contains(CONFIG + ".mappers[0].status_code"), status);

        String pseudo = refused("""
                mappers: [{ filter: { not_health_check_filter: {} }, headers_to_add: [{ header: { key: ":status", value: "1" } }] }]
                """);
        assertTrue(pseudo.contains(CONFIG + ".mappers[0].headers_to_add[0].header.key"), pseudo);

        String operator = refused("body_format: { text_format: \"%NO_SUCH_THING%\" }");
        assertTrue(operator.contains(CONFIG + ".body_format.text_format"), operator);

        String none = refused("body_format: { content_type: text/html }");
        assertTrue(none.contains(CONFIG + ".body_format"), none);
    }
}
