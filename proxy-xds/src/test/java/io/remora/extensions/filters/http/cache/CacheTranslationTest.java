package io.remora.extensions.filters.http.cache;

import io.remora.config.HttpConnectionManagerConfig;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.HcmListenerYaml;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Cache filter configs as Envoy reads them; what cannot run is refused at its field. */
class CacheTranslationTest {

    private static final String FILTER = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config"
            + ".http_filters[0].typed_config";
    private static final String SIMPLE = """
            typed_config: { "@type": type.googleapis.com/envoy.extensions.http.cache.simple_http_cache.v3.SimpleHttpCacheConfig }
            """;

    private static String bootstrap(String body) {
        return HcmListenerYaml.listener("", HcmListenerYaml.filter("envoy.filters.http.cache",
                "type.googleapis.com/envoy.extensions.filters.http.cache.v3.CacheConfig", body),
                HcmListenerYaml.catchAllHost("", "route: { cluster: c1 }")) + HcmListenerYaml.CLUSTER_C1;
    }

    private static CacheFilterConfig config(String body) {
        var model = new BootstrapLoader().loadString(bootstrap(body), "test.yaml").model();
        return (CacheFilterConfig) ((HttpConnectionManagerConfig) model.listeners().get(0).filterChains().get(0)
                .terminalFilter()).httpFilters().get(0).config();
    }

    private static TranslationException refused(String body) {
        return assertThrows(TranslationException.class, () -> new BootstrapLoader().loadString(bootstrap(body), "t.yaml"));
    }

    @Test
    void fieldsAreRead() {
        CacheFilterConfig c = config(SIMPLE + """
                allowed_vary_headers: [{ exact: accept-language }, { prefix: x-v- }]
                key_creator_params:
                  exclude_host: true
                  query_parameters_included: [{ name: page }]
                max_body_bytes: 1000
                ignore_request_cache_control_header: true
                """);
        assertFalse(c.disabled());
        assertTrue(c.allowsVary("accept-language") && c.allowsVary("x-v-1") && !c.allowsVary("user-agent"));
        assertTrue(c.key().excludeHost() && !c.key().excludeScheme());
        assertEquals("page", c.key().included().get(0).name());
        assertEquals(1000, c.maxBodyBytes());
        assertTrue(c.ignoreRequestCacheControl());
        assertTrue(config("disabled: true").disabled(), "no storage needed when disabled");
    }

    @Test
    void theFileSystemStorageCachesInMemoryWithAWarning() {
        var loaded = new BootstrapLoader().loadString(bootstrap("""
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.http.cache.file_system_http_cache.v3.FileSystemHttpCacheConfig
                  manager_config: { thread_pool: { thread_count: 1 } }
                  cache_path: /tmp/envoy-cache
                """), "t.yaml");
        assertTrue(loaded.warnings().stream().anyMatch(w -> w.contains("file system cache storage is not built")),
                loaded.warnings().toString());
        var c = (CacheFilterConfig) ((HttpConnectionManagerConfig) loaded.model().listeners().get(0).filterChains()
                .get(0).terminalFilter()).httpFilters().get(0).config();
        assertFalse(c.disabled());
    }

    @Test
    void storageThatCannotRunIsRefused() {
        assertEquals(FILTER + ".typed_config", refused("allowed_vary_headers: [{ exact: a }]").path());
        TranslationException other = refused("""
                typed_config: { "@type": type.googleapis.com/google.protobuf.Struct }
                """);
        assertEquals(FILTER + ".typed_config", other.path());
        assertTrue(other.getMessage().contains("unsupported cache storage 'google.protobuf.Struct'"), other.getMessage());
        assertEquals(FILTER + ".key_creator_params.query_parameters_excluded[0].name",
                refused(SIMPLE + "key_creator_params: { query_parameters_excluded: [{ string_match: { exact: a } }] }")
                        .path());
    }
}
