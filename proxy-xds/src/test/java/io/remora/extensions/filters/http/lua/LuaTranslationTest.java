package io.remora.extensions.filters.http.lua;

import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.HttpFilterEntry;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.HcmListenerYaml;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lua configs as Envoy reads them; scripts that do not load refuse the config at their field. */
class LuaTranslationTest {

    static final String FILTER = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config"
            + ".http_filters[0].typed_config";

    static String bootstrap(String body, String routeFields) {
        return HcmListenerYaml.listener("",
                HcmListenerYaml.filter("envoy.filters.http.lua",
                        "type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua", body),
                HcmListenerYaml.catchAllHost("", routeFields))
                + HcmListenerYaml.CLUSTER_C1;
    }

    static LuaConfig config(String body) {
        var model = new BootstrapLoader().loadString(bootstrap(body, "route: { cluster: c1 }"), "test.yaml").model();
        HttpFilterEntry e = ((HttpConnectionManagerConfig) model.listeners().get(0).filterChains().get(0)
                .terminalFilter()).httpFilters().get(0);
        return (LuaConfig) e.config();
    }

    static TranslationException refused(String body, String routeFields) {
        return assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(bootstrap(body, routeFields), "test.yaml"));
    }

    static TranslationException refused(String body) {
        return refused(body, "route: { cluster: c1 }");
    }

    @Test
    void sourcesAndOptions() throws Exception {
        Path file = Files.createTempFile("script", ".lua");
        Files.writeString(file, "function envoy_on_request(h) end");
        LuaConfig c = config("""
                stat_prefix: mine
                inline_code: "function envoy_on_request(h) h:headers():add('a', 'b') end"
                source_codes:
                  fromfile: { filename: "%s" }
                clear_route_cache: false
                """.formatted(file));
        assertEquals("mine", c.statPrefix());
        assertTrue(c.defaultSource().code().contains("envoy_on_request"));
        assertFalse(c.defaultSource().waitsForBody() || c.defaultSource().callsHttp(), "runs on the event loop");
        assertEquals("function envoy_on_request(h) end", c.sources().get("fromfile").code());
        assertFalse(c.clearRouteCache());
        LuaConfig d = config("default_source_code: { inline_string: \"function envoy_on_response(h) h:body() end\" }");
        assertTrue(d.clearRouteCache(), "clear_route_cache defaults to true");
        assertTrue(d.defaultSource().waitsForBody());
        assertNull(config("source_codes: { a: { inline_string: 'x = 1' } }").defaultSource());
        Files.delete(file);
    }

    @Test
    void scriptsThatDoNotLoadAreRefusedAtTheirField() {
        TranslationException syntax = refused("inline_code: \"function envoy_on_request(h) h:headers(\"");
        assertEquals(FILTER + ".inline_code", syntax.path());
        assertTrue(syntax.getMessage().contains("script load error"), syntax.getMessage());
        assertEquals(FILTER + ".inline_code", refused("inline_code: \"error('at load')\"").path(),
                "an error in the script's top level refuses it too, as Envoy's");
        assertEquals(FILTER + ".default_source_code.filename",
                refused("default_source_code: { filename: /nonexistent/script.lua }").path());
        assertEquals(FILTER + ".source_codes[\"bad\"]",
                refused("source_codes: { bad: { inline_string: 'function (' } }").path());
        assertEquals(FILTER, refused("""
                inline_code: "x = 1"
                default_source_code: { inline_string: "y = 2" }
                """).path());
    }

    @Test
    void perRouteConfigs() {
        String perRoute = """
                route: { cluster: c1 }
                typed_per_filter_config:
                  envoy.filters.http.lua:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.lua.v3.LuaPerRoute
                    %s
                """;
        TranslationException e = refused("inline_code: 'x = 1'",
                perRoute.formatted("source_code: { inline_string: 'function envoy_on_request(' }"));
        assertTrue(e.path().endsWith(".typed_per_filter_config[\"envoy.filters.http.lua\"].source_code"), e.path());
        TranslationException off = refused("inline_code: 'x = 1'", perRoute.formatted("disabled: false"));
        assertTrue(off.path().endsWith(".disabled"), off.path());
        new BootstrapLoader().loadString(bootstrap("inline_code: 'x = 1'", perRoute.formatted("name: other")), "test.yaml");
    }
}
