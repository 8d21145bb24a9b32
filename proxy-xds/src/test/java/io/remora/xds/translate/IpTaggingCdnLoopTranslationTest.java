package io.remora.xds.translate;

import io.remora.xds.bootstrap.BootstrapLoader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ip_tagging and cdn_loop refuse what Envoy refuses, naming the field. */
class IpTaggingCdnLoopTranslationTest {

    private static final String FILTER = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config"
            + ".http_filters[0].typed_config";

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "no tags      | ip_tagging | IPTagging     | request_type: BOTH                                              | .ip_tags                  | requires ip_tags",
            "bad range    | ip_tagging | IPTagging     | ip_tags: [{ ip_tag_name: a, ip_list: [{ address_prefix: 10.0.0.300, prefix_len: 8 }] }] | .ip_tags[0].ip_list[0] | invalid ip/mask combo",
            "long mask    | ip_tagging | IPTagging     | ip_tags: [{ ip_tag_name: a, ip_list: [{ address_prefix: 10.0.0.0, prefix_len: 33 }] }] | .ip_tags[0].ip_list[0] | invalid ip/mask combo",
            "empty header | ip_tagging | IPTagging     | ip_tags: [{ ip_tag_name: a }]; ip_tag_header: { action: SANITIZE } | .ip_tag_header.header | must not be empty",
            "no cdn id    | cdn_loop   | CdnLoopConfig | max_allowed_occurrences: 1                                      | .cdn_id                   | missing required field",
            "bad cdn id   | cdn_loop   | CdnLoopConfig | cdn_id: \"a b\"                                                 | .cdn_id                   | not a valid CDN identifier"})
    void refused(String name, String filter, String type, String body, String field, String message) {
        String yaml = HcmListenerYaml.listener("", HcmListenerYaml.filter("envoy.filters.http." + filter,
                "type.googleapis.com/envoy.extensions.filters.http." + filter + ".v3." + type, body.replace("; ", "\n")), "")
                + HcmListenerYaml.CLUSTER_C1;
        TranslationException e = assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(yaml, filter + ".yaml"));
        assertEquals(FILTER + field, e.path(), e.getMessage());
        assertTrue(e.reason().contains(message), e.reason());
    }
}
