package io.remora.e2e;

import io.remora.extensions.geoip_providers.maxmind.MmdbWriter;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The geolocation filter through a real proxy: MaxMind databases written at test time, the client
 * taken one trusted hop from the right of X-Forwarded-For, the headers the upstream sees, the
 * provider's stats in /stats, and a city database moved into place being reloaded.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GeoipE2ETest {

    @RegisterExtension
    static final E2EStack stack = E2EStack.checkingLeaks();
    static final String[] GEO = {"x-geo-country", "x-geo-city", "x-geo-region", "x-geo-asn", "x-geo-isp",
        "x-geo-relay", "x-geo-anon", "x-geo-vpn", "x-geo-tor"};
    static ProxyProcess proxy;
    static Path cityDb;

    static Map<String, Object> city(String country, String name, String region) {
        return Map.of("country", Map.of("iso_code", country), "city", Map.of("names", Map.of("en", name)),
                "subdivisions", List.of(Map.of("iso_code", region)));
    }

    @BeforeAll
    static void start() throws Exception {
        Path dir = TempPaths.directory("geoip");
        cityDb = new MmdbWriter("GeoIP2-City", 6, 28)
                .insert("81.2.69.0/24", city("GB", "London", "ENG"))
                .insert("2001:db8::/32", city("SE", "Linköping", "E")).write(dir.resolve("city.mmdb"));
        Path ispDb = new MmdbWriter("GeoIP2-ISP", 4, 24)
                .insert("81.2.69.0/24", Map.of("isp", "iCloud Private Relay", "autonomous_system_number", 36183))
                .insert("89.160.20.0/24", Map.of("isp", "Bredband2 AB", "autonomous_system_number", 29518))
                .write(dir.resolve("isp.mmdb"));
        Path anonDb = new MmdbWriter("GeoIP2-Anonymous-IP", 6, 32)
                .insert("81.2.69.0/24", Map.of("is_anonymous", true, "is_anonymous_vpn", true,
                        "is_tor_exit_node", false)).write(dir.resolve("anon.mmdb"));
        TestUpstream upstream = stack.upstream((ctx, req, n) -> {
            StringBuilder b = new StringBuilder();
            for (String h : GEO) {
                b.append(h).append('=').append(req.headers().get(h)).append('\n');
            }
            TestUpstream.send(ctx, req, 200, b.toString());
        });
        String filters = """
                - name: envoy.filters.http.geoip
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.geoip.v3.Geoip
                    xff_config: { xff_num_trusted_hops: 1 }
                    provider:
                      name: envoy.geoip_providers.maxmind
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.geoip_providers.maxmind.v3.MaxMindConfig
                        city_db_path: %s
                        isp_db_path: %s
                        anon_db_path: %s
                        common_provider_config:
                          geo_headers_to_add:
                            country: x-geo-country
                            city: x-geo-city
                            region: x-geo-region
                            asn: x-geo-asn
                            isp: x-geo-isp
                            apple_private_relay: x-geo-relay
                            anon: x-geo-anon
                            anon_vpn: x-geo-vpn
                            anon_tor: x-geo-tor
                """.formatted(cityDb, ispDb, anonDb);
        proxy = stack.start(stack.http(TempPaths.file("geoip-access", ".log").toString(), "- match: { prefix: / }\n"
                + "  route: { cluster: app }\n", Bootstraps.cluster("app", false, null, upstream.port()), "", filters));
    }

    static String request(String... headers) throws Exception {
        List<String> args = new ArrayList<>();
        for (String h : headers) {
            args.add("-H");
            args.add(h);
        }
        args.add(stack.url("/"));
        Curl c = Curl.run(args.toArray(String[]::new));
        assertEquals(200, c.status(), c.text());
        return c.text();
    }

    static double stat(String name) throws Exception {
        return proxy.stat("http.ingress." + name);
    }

    @Test
    void theClientOneTrustedHopBackGetsEveryConfiguredHeader() throws Exception {
        double total = stat("geoip.total");
        double cityHit = stat("maxmind.city_db.hit");
        double ispHit = stat("maxmind.isp_db.hit");
        double anonTotal = stat("maxmind.anon_db.total");
        // The client's own x-geo-country is replaced by the lookup's.
        assertEquals("""
                x-geo-country=GB
                x-geo-city=London
                x-geo-region=ENG
                x-geo-asn=36183
                x-geo-isp=iCloud Private Relay
                x-geo-relay=true
                x-geo-anon=true
                x-geo-vpn=true
                x-geo-tor=false
                """, request("X-Forwarded-For: 81.2.69.142, 10.0.0.1", "x-geo-country: XX"));
        // The ISP database alone knows this one: asn from it (no asn_db_path), not iCloud Private Relay.
        assertEquals("""
                x-geo-country=null
                x-geo-city=null
                x-geo-region=null
                x-geo-asn=29518
                x-geo-isp=Bredband2 AB
                x-geo-relay=false
                x-geo-anon=null
                x-geo-vpn=null
                x-geo-tor=null
                """, request("X-Forwarded-For: 89.160.20.129, 10.0.0.2"));
        assertEquals(total + 2, stat("geoip.total"));
        assertEquals(cityHit + 1, stat("maxmind.city_db.hit"));
        assertEquals(ispHit + 2, stat("maxmind.isp_db.hit"));
        assertEquals(anonTotal + 2, stat("maxmind.anon_db.total"));
    }

    @Test
    void aClientNoDatabaseKnowsKeepsWhatItSentAsInEnvoy() throws Exception {
        double cityTotal = stat("maxmind.city_db.total");
        double cityHit = stat("maxmind.city_db.hit");
        String seen = request("X-Forwarded-For: 192.0.2.1, 10.0.0.3", "x-geo-city: Atlantis");
        assertTrue(seen.contains("x-geo-city=Atlantis\n"), seen);
        assertTrue(seen.contains("x-geo-country=null\n"), seen);
        assertEquals(cityTotal + 1, stat("maxmind.city_db.total"));
        assertEquals(cityHit, stat("maxmind.city_db.hit"));
    }

    @Test
    void anIpv6ClientIsALookupErrorInAnIpv4Database() throws Exception {
        double ispErrors = stat("maxmind.isp_db.lookup_error");
        String seen = request("X-Forwarded-For: 2001:db8::7, 10.0.0.4");
        assertTrue(seen.contains("x-geo-country=SE\nx-geo-city=Linköping\n"), seen);
        assertTrue(seen.contains("x-geo-isp=null\n"), seen);
        assertEquals(ispErrors + 1, stat("maxmind.isp_db.lookup_error"));
    }

    @Test
    @Order(Integer.MAX_VALUE) // it replaces the city database the others read
    void aDatabaseMovedIntoPlaceIsReloadedAndABadOneIsNot() throws Exception {
        double success = stat("maxmind.city_db.db_reload_success");
        double errors = stat("maxmind.city_db.db_reload_error");
        Path next = cityDb.resolveSibling("city.mmdb.next");
        new MmdbWriter("GeoIP2-City", 6, 24).insert("81.2.69.0/24", city("GB", "Croydon", "ENG")).write(next);
        Files.move(next, cityDb, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        awaitStat("maxmind.city_db.db_reload_success", success + 1);
        String seen = request("X-Forwarded-For: 81.2.69.142, 10.0.0.5");
        assertTrue(seen.contains("x-geo-city=Croydon\n"), seen);
        Files.writeString(next, "not a database");
        Files.move(next, cityDb, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        awaitStat("maxmind.city_db.db_reload_error", errors + 1);
        seen = request("X-Forwarded-For: 81.2.69.142, 10.0.0.5");
        assertTrue(seen.contains("x-geo-city=Croydon\n"), "the last good database still serves: " + seen);
    }

    /** Reloads run on the watcher thread; each request re-reads /stats until the counter moves. */
    static void awaitStat(String name, double expected) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (stat(name) < expected && System.nanoTime() < deadline) {
            request("X-Forwarded-For: 192.0.2.9, 10.0.0.9");
            Thread.sleep(100);
        }
        assertEquals(expected, stat(name), name);
    }
}
