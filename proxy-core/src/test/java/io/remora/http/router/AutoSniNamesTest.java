package io.remora.http.router;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.AutoSniConfig;
import io.remora.upstream.UpstreamTlsNames;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The SNI and SAN a request names under auto_sni / auto_san_validation, as Envoy's router reads its host. */
class AutoSniNamesTest {

    private static Http2Headers request(String authority, String... headers) {
        Http2Headers h = new DefaultHttp2Headers().method("GET").path("/");
        if (authority != null) {
            h.authority(authority);
        }
        for (int i = 0; i < headers.length; i += 2) {
            h.add(headers[i], headers[i + 1]);
        }
        return h;
    }

    @Test
    void hostWithoutPortIsBothNames() {
        AutoSniConfig both = new AutoSniConfig(true, true, null);
        assertEquals(new UpstreamTlsNames("api.example.com", java.util.List.of("api.example.com")),
                AutoSniNames.of(both, request("api.example.com:8443")));
        assertEquals(new UpstreamTlsNames("api.example.com", null),
                AutoSniNames.of(new AutoSniConfig(true, false, null), request("api.example.com")));
        assertEquals(new UpstreamTlsNames(null, java.util.List.of("api.example.com")),
                AutoSniNames.of(new AutoSniConfig(false, true, null), request("api.example.com")));
    }

    @Test
    void anIpAddressIsNoServerNameButStillASan() {
        AutoSniConfig both = new AutoSniConfig(true, true, null);
        assertEquals(new UpstreamTlsNames(null, java.util.List.of("10.0.0.1")), AutoSniNames.of(both, request("10.0.0.1:80")));
        assertEquals(new UpstreamTlsNames(null, java.util.List.of("::1")), AutoSniNames.of(both, request("[::1]:443")));
        assertNull(AutoSniNames.of(new AutoSniConfig(true, false, null), request("[::1]")));
    }

    @Test
    void overrideHeaderWinsWhenPresentAndNotEmpty() {
        AutoSniConfig c = new AutoSniConfig(true, false, "X-SNI");
        assertEquals("other.example", AutoSniNames.of(c, request("host.example", "x-sni", "other.example")).serverName());
        assertEquals("host.example", AutoSniNames.of(c, request("host.example", "x-sni", "")).serverName());
        assertEquals("host.example", AutoSniNames.of(c, request("host.example")).serverName());
        assertEquals("a,b", AutoSniNames.of(c, request("host.example", "x-sni", "a", "x-sni", "b")).serverName());
    }

    @Test
    void noHostNoNames() {
        assertNull(AutoSniNames.of(new AutoSniConfig(true, true, null), request(null)));
        assertNull(AutoSniNames.of(new AutoSniConfig(true, true, "x-sni"), request(null, "x-sni", "")));
        assertEquals("host:", AutoSniNames.host("host:"), "an empty port is no port (Envoy resolves it whole)");
        assertEquals("host:99999", AutoSniNames.host("host:99999"));
    }
}
