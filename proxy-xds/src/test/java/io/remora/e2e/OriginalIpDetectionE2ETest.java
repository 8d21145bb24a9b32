package io.remora.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The connection manager's original_ip_detection_extensions through curl: the XFF extension by
 * trusted hops and by trusted CIDRs (with skip_xff_append off), the custom header extension with
 * reject_with_status, and two in a row. The route adds the address Envoy settled on
 * (%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%) to the request, and the upstream answers with the
 * request head it received.
 */
class OriginalIpDetectionE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static ProxyProcess proxy;
    static final Map<String, Integer> PORTS = new HashMap<>();

    static String listener(String name, String extensions) {
        return Bootstraps.httpListenerWithHosts(name, "", "internal_address_config: {}\noriginal_ip_detection_extensions:\n"
                + extensions, """
                - name: all
                  domains: ["*"]
                  request_headers_to_add:
                  - header: { key: x-client, value: "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%" }
                  routes: [{ match: { prefix: "/" }, route: { cluster: web } }]
                """);
    }

    @BeforeAll
    static void start() throws Exception {
        TestUpstream upstream = stack.upstream(HcmHeaderOptionsE2ETest.upstreamResponder);
        for (String l : List.of("hops", "cidrs", "header", "chain")) {
            PORTS.put(l, ProxyProcess.freePort());
        }
        proxy = stack.start(Bootstraps.listeners(stack.adminPort, listener("hops", """
                        - name: envoy.http.original_ip_detection.xff
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.http.original_ip_detection.xff.v3.XffConfig
                            xff_num_trusted_hops: 1
                        """)
                + listener("cidrs", """
                        - name: envoy.http.original_ip_detection.xff
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.http.original_ip_detection.xff.v3.XffConfig
                            xff_trusted_cidrs: { cidrs: [{ address_prefix: 127.0.0.0, prefix_len: 8 }, { address_prefix: 10.0.0.0, prefix_len: 8 }] }
                            skip_xff_append: false
                        """)
                + listener("header", """
                        - name: envoy.http.original_ip_detection.custom_header
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.http.original_ip_detection.custom_header.v3.CustomHeaderConfig
                            header_name: X-Real-IP
                            allow_extension_to_set_address_as_trusted: true
                            reject_with_status: { code: PreconditionFailed }
                        """)
                + listener("chain", """
                        - name: envoy.http.original_ip_detection.custom_header
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.http.original_ip_detection.custom_header.v3.CustomHeaderConfig
                            header_name: x-real-ip
                        - name: envoy.http.original_ip_detection.xff
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.http.original_ip_detection.xff.v3.XffConfig
                        """),
                Bootstraps.cluster("web", false, null, upstream.port()), PORTS));
    }

    static Map<String, String> upstreamSaw(String listener, String... headers) throws Exception {
        Curl r = Curl.get(PORTS.get(listener), "/", headers);
        return HcmHeaderOptionsE2ETest.upstreamSaw(r);
    }

    @Test
    void xffByTrustedHopsPicksTheEntryThatManyFromTheRight() throws Exception {
        Map<String, String> up = upstreamSaw("hops", "x-forwarded-for: 192.0.2.10, 203.0.113.7, 198.51.100.2");
        assertEquals("203.0.113.7", up.get("x-client"));
        assertEquals("192.0.2.10, 203.0.113.7, 198.51.100.2", up.get("x-forwarded-for"),
                "skip_xff_append defaults to true for the extension");
        assertNull(up.get("x-envoy-internal"));
        // One entry, one hop trusted: nothing found, the peer stays the address.
        assertEquals("127.0.0.1", upstreamSaw("hops", "x-forwarded-for: 203.0.113.7").get("x-client"));
        // An internal client behind the trusted hop: XFF has two entries, so not internal.
        assertNull(upstreamSaw("hops", "x-forwarded-for: 10.0.0.5, 10.0.0.9").get("x-envoy-internal"));
    }

    @Test
    void xffByTrustedCidrsTakesTheRightmostUntrustedEntryAndAppendsThePeer() throws Exception {
        Map<String, String> up = upstreamSaw("cidrs", "x-forwarded-for: 192.0.2.10, 203.0.113.7, 10.1.1.1");
        assertEquals("203.0.113.7", up.get("x-client"));
        String[] xff = up.get("x-forwarded-for").split(",");
        assertEquals(4, xff.length, "skip_xff_append: false appends this hop: " + up.get("x-forwarded-for"));
        assertNull(up.get("x-envoy-internal"));

        // Every entry trusted: the leftmost, and a single internal entry makes the request internal.
        Map<String, String> internal = upstreamSaw("cidrs", "x-forwarded-for: 10.0.0.5");
        assertEquals("10.0.0.5", internal.get("x-client"));
        assertEquals("true", internal.get("x-envoy-internal"));
    }

    @Test
    void customHeaderSetsTheAddressOrRejects() throws Exception {
        double before = proxy.stat("http.header.downstream_rq_rejected_via_ip_detection");
        Map<String, String> up = upstreamSaw("header", "x-real-ip: 10.2.3.4", "x-forwarded-for: 203.0.113.7");
        assertEquals("10.2.3.4", up.get("x-client"));
        assertEquals("true", up.get("x-envoy-internal"), "allow_extension_to_set_address_as_trusted");
        assertEquals("203.0.113.9", upstreamSaw("header", "x-real-ip: 203.0.113.9").get("x-client"));
        assertNull(upstreamSaw("header", "x-real-ip: 203.0.113.9").get("x-envoy-internal"));

        assertEquals(412, Curl.get(PORTS.get("header"), "/").status(), "no header");
        assertEquals(412, Curl.get(PORTS.get("header"), "/", "x-real-ip: not-an-ip").status(), "not an address");
        assertEquals(before + 2, proxy.stat("http.header.downstream_rq_rejected_via_ip_detection"));
    }

    @Test
    void extensionsRunInOrderAndTheFirstAddressWins() throws Exception {
        assertEquals("192.0.2.1", upstreamSaw("chain", "x-real-ip: 192.0.2.1", "x-forwarded-for: 198.51.100.9")
                .get("x-client"));
        assertEquals("198.51.100.9", upstreamSaw("chain", "x-forwarded-for: 198.51.100.9").get("x-client"),
                "no header: the XFF extension's last entry");
        assertEquals("127.0.0.1", upstreamSaw("chain").get("x-client"), "neither: the peer");
        Map<String, String> untrusted = upstreamSaw("chain", "x-real-ip: 10.0.0.1");
        assertEquals("10.0.0.1", untrusted.get("x-client"));
        assertNull(untrusted.get("x-envoy-internal"), "the custom header is not trusted unless allowed");
        assertEquals(200, Curl.get(PORTS.get("chain"), "/", "x-real-ip: bogus").status(),
                "no reject_with_status: a bad header falls through");
    }
}
