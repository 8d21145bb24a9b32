package io.remora.extensions.filters.http.geoip;

import io.remora.config.HttpConnectionManagerConfig;
import io.remora.extensions.geoip_providers.maxmind.MmdbWriter;
import io.remora.testing.TempPaths;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.HcmListenerYaml;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Geoip configs: what is taken from them, and refusals naming the field (Envoy's proto rules, unreadable files). */
class GeoipTranslationTest {

    static final String FILTER = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config"
            + ".http_filters[0].typed_config";
    static final String PROVIDER = FILTER + ".provider.typed_config";
    static final String TYPE = "type.googleapis.com/envoy.extensions.filters.http.geoip.v3.Geoip";
    static Path city;
    static Path asn;

    @BeforeAll
    static void databases() throws Exception {
        city = new MmdbWriter("GeoLite2-City", 6, 24).insert("81.2.69.0/24", Map.of("country", Map.of("iso_code", "GB")))
                .write(TempPaths.file("city", ".mmdb"));
        asn = new MmdbWriter("GeoLite2-ASN", 4, 24).insert("1.128.0.0/11", Map.of("autonomous_system_number", 1221))
                .write(TempPaths.file("asn", ".mmdb"));
    }

    static String bootstrap(String body) {
        return HcmListenerYaml.listener("", HcmListenerYaml.filter("envoy.filters.http.geoip", TYPE, body),
                HcmListenerYaml.catchAllHost("", "route: { cluster: c1 }\n")) + HcmListenerYaml.CLUSTER_C1;
    }

    static String provider(String maxmind) {
        return """
                provider:
                  name: envoy.geoip_providers.maxmind
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.geoip_providers.maxmind.v3.MaxMindConfig
                """ + maxmind.indent(4);
    }

    static GeoipConfig config(String body) {
        var model = new BootstrapLoader().loadString(bootstrap(body), "test.yaml").model();
        var hcm = (HttpConnectionManagerConfig) model.listeners().get(0).filterChains().get(0).terminalFilter();
        return (GeoipConfig) hcm.httpFilters().get(0).config();
    }

    static TranslationException refused(String body) {
        return assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(bootstrap(body), "test.yaml"));
    }

    @Test
    void headersAndDatabasesAreTaken() {
        GeoipConfig c = config("xff_config: { xff_num_trusted_hops: 2 }\n" + provider("""
                city_db_path: %s
                asn_db_path: %s
                common_provider_config:
                  geo_headers_to_add: { country: X-Geo-Country, asn: x-geo-asn }
                """.formatted(city, asn)));
        assertEquals(2, c.xffNumTrustedHops());
        assertEquals(Map.of("country", "x-geo-country", "asn", "x-geo-asn"), c.provider().headers());
        assertEquals("city_db", c.provider().city().kind());
        assertEquals("asn_db", c.provider().asn().kind());
        assertNull(c.provider().isp());
        assertEquals(0, config(provider("""
                city_db_path: %s
                common_provider_config: { geo_headers_to_add: { city: x-city } }
                """.formatted(city))).xffNumTrustedHops(), "no xff_config: the derived address");
    }

    @Test
    void theDeprecatedIsAnonNamesTheAnonHeaderUnlessAnonIsSet() {
        String anonDb = city.toString();
        assertEquals("x-old", config(provider("""
                anon_db_path: %s
                common_provider_config: { geo_headers_to_add: { is_anon: x-old } }
                """.formatted(anonDb))).provider().headers().get("anon"));
        assertEquals("x-new", config(provider("""
                anon_db_path: %s
                common_provider_config: { geo_headers_to_add: { is_anon: x-old, anon: x-new } }
                """.formatted(anonDb))).provider().headers().get("anon"));
    }

    @Test
    void badConfigsNameTheField() throws Exception {
        assertEquals(FILTER + ".provider", refused("xff_config: {}").path());
        assertEquals(PROVIDER, refused("""
                provider:
                  name: other
                  typed_config: { "@type": type.googleapis.com/google.protobuf.Empty }
                """).path());
        assertEquals(PROVIDER + ".common_provider_config",
                refused(provider("city_db_path: " + city)).path());
        assertEquals(PROVIDER + ".common_provider_config.geo_headers_to_add",
                refused(provider("city_db_path: %s\ncommon_provider_config: {}".formatted(city))).path());
        TranslationException none = refused(provider("common_provider_config: { geo_headers_to_add: { city: x-c } }"));
        assertEquals(PROVIDER, none.path());
        assertTrue(none.reason().contains("At least one geolocation database path"), none.reason());
        assertEquals(PROVIDER + ".city_db_path", refused(provider("""
                city_db_path: /tmp/GeoLite2-City.dat
                common_provider_config: { geo_headers_to_add: { city: x-c } }
                """)).path());
        assertEquals(PROVIDER + ".common_provider_config.geo_headers_to_add.country", refused(provider("""
                city_db_path: %s
                common_provider_config: { geo_headers_to_add: { country: "bad header" } }
                """.formatted(city))).path());
        // A field whose database is not configured could never be looked up.
        assertEquals(PROVIDER + ".common_provider_config.geo_headers_to_add.anon_vpn", refused(provider("""
                city_db_path: %s
                common_provider_config: { geo_headers_to_add: { city: x-c, anon_vpn: x-vpn } }
                """.formatted(city))).path());
        assertEquals(PROVIDER + ".common_provider_config.geo_headers_to_add.is_anon", refused(provider("""
                city_db_path: %s
                common_provider_config: { geo_headers_to_add: { is_anon: x-anon } }
                """.formatted(city))).path());
        assertEquals(PROVIDER + ".common_provider_config.geo_headers_to_add.apple_private_relay", refused(provider("""
                asn_db_path: %s
                common_provider_config: { geo_headers_to_add: { apple_private_relay: x-apr } }
                """.formatted(asn))).path());
    }

    @Test
    void aMissingOrCorruptDatabaseFileIsRefusedAtItsField() throws Exception {
        TranslationException missing = refused(provider("""
                isp_db_path: /nonexistent/GeoIP2-ISP.mmdb
                common_provider_config: { geo_headers_to_add: { isp: x-isp } }
                """));
        assertEquals(PROVIDER + ".isp_db_path", missing.path());
        assertTrue(missing.reason().startsWith("Unable to open Maxmind database file"), missing.reason());
        Path corrupt = TempPaths.file("corrupt", ".mmdb");
        Files.write(corrupt, "not a maxmind database".getBytes());
        TranslationException bad = refused(provider("""
                anon_db_path: %s
                common_provider_config: { geo_headers_to_add: { anon: x-anon } }
                """.formatted(corrupt)));
        assertEquals(PROVIDER + ".anon_db_path", bad.path());
        assertTrue(bad.reason().contains("metadata"), bad.reason());
    }
}
