package io.remora.xds.translate;

import io.remora.xds.bootstrap.BootstrapLoader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** api_key_auth refuses what Envoy refuses, naming the field. */
class ApiKeyAuthTranslationTest {

    private static final String FILTER = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config"
            + ".http_filters[0].typed_config";

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "no key        | credentials: [ { client: a } ]                                 | .credentials[0].key        | missing required field",
            "no client     | credentials: [ { key: k } ]                                    | .credentials[0].client     | missing required field",
            "duplicate key | credentials: [ { key: k, client: a }, { key: k, client: b } ] | .credentials[1].key        | duplicate API key",
            "empty source  | 'key_sources: [ { header: x }, {} ]'                           | .key_sources[1]            | must be set"})
    void refused(String name, String body, String field, String message) {
        String yaml = HcmListenerYaml.listener("", HcmListenerYaml.filter("envoy.filters.http.api_key_auth",
                "type.googleapis.com/envoy.extensions.filters.http.api_key_auth.v3.ApiKeyAuth", body), "")
                + HcmListenerYaml.CLUSTER_C1;
        TranslationException e = assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(yaml, "api_key_auth.yaml"));
        assertEquals(FILTER + field, e.path(), e.getMessage());
        assertTrue(e.reason().contains(message), e.reason());
    }
}
