package io.remora.xds.translate;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class FieldPathTest {

    @Test
    void spellsEnvoysPaths() {
        FieldPath hcm = FieldPath.ROOT.field("static_resources").field("listeners").index(0).field("filter_chains")
                .index(2).field("filters").index(0).field("typed_config");
        assertEquals("static_resources.listeners[0].filter_chains[2].filters[0].typed_config", hcm.toString());
        assertEquals("static_resources.listeners[0].filter_chains[2].filters[0].typed_config.route_config",
                hcm.field("route_config").toString());
        assertEquals("typed_extension_protocol_options[\"envoy.extensions.upstreams.http.v3.HttpProtocolOptions\"].x",
                FieldPath.ROOT.field("typed_extension_protocol_options")
                        .key("envoy.extensions.upstreams.http.v3.HttpProtocolOptions").field("x").toString());
        assertEquals("", FieldPath.ROOT.toString());
        assertEquals("name", FieldPath.ROOT.field("name").toString());
        assertEquals("[3].name", FieldPath.ROOT.index(3).field("name").toString());
        assertEquals("clusters[1].name", FieldPath.of("clusters[1]").field("name").toString());
        assertEquals("x", FieldPath.of("").field("x").toString());
    }

    @Test
    void theTextIsMadeOnceAndErrorsCarryIt() {
        FieldPath p = FieldPath.ROOT.field("a").index(1);
        assertSame(p.toString(), p.toString());
        TranslationException e = p.field("b").error("bad");
        assertEquals("a[1].b", e.path());
        assertEquals("bad", e.reason());
    }
}
