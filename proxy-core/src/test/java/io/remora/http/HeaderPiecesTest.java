package io.remora.http;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.NetUtil;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeaderPiecesTest {

    @Test
    void grpcStatusFromHttpStatusAsEnvoyMapsIt() {
        assertEquals(13, LocalReply.httpToGrpcStatus(400));
        assertEquals(16, LocalReply.httpToGrpcStatus(401));
        assertEquals(7, LocalReply.httpToGrpcStatus(403));
        assertEquals(12, LocalReply.httpToGrpcStatus(404));
        assertEquals(14, LocalReply.httpToGrpcStatus(429));
        assertEquals(14, LocalReply.httpToGrpcStatus(503));
        assertEquals(14, LocalReply.httpToGrpcStatus(504));
        assertEquals(2, LocalReply.httpToGrpcStatus(500));
        Http2Headers h = new DefaultHttp2Headers();
        LocalReply.grpcTrailersOnly(h, 503, "50% down\n", -1);
        assertEquals("200", h.status().toString());
        assertEquals("50%25 down%0A", h.get("grpc-message").toString());
    }

    @Test
    void requestIdsAreVersion4Uuids() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String id = io.remora.util.Uuid4.random().toString();
            assertTrue(id.matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"), id);
            seen.add(id);
        }
        assertEquals(1000, seen.size());
    }

    @Test
    void trustedAddressFromTheRightOfXff() {
        assertEquals("3.3.3.3", NetUtil.toAddressString(XForwardedFor.fromRight("1.1.1.1, 2.2.2.2,3.3.3.3", 0)));
        assertEquals("2.2.2.2", NetUtil.toAddressString(XForwardedFor.fromRight("1.1.1.1, 2.2.2.2,3.3.3.3", 1)));
        assertNull(XForwardedFor.fromRight("1.1.1.1", 1));
        assertNull(XForwardedFor.fromRight("not-an-ip", 0));
    }

    @Test
    void envoysInternalAndLoopbackAddresses() {
        for (String ip : new String[] {"10.1.2.3", "192.168.0.1", "172.16.0.1", "172.31.255.255", "127.0.0.1", "::1",
                "fd00::1"}) {
            assertTrue(InternalAddresses.isDefaultInternal(NetUtil.createInetAddressFromIpAddressString(ip)), ip);
        }
        // Envoy's isInternalAddress is narrower than Java's private and loopback tests.
        for (String ip : new String[] {"8.8.8.8", "172.32.0.1", "127.0.0.2", "169.254.1.1", "fc00::1", "fec0::1",
                "fe80::1"}) {
            assertFalse(InternalAddresses.isDefaultInternal(NetUtil.createInetAddressFromIpAddressString(ip)), ip);
        }
        assertTrue(InternalAddresses.isLoopback(NetUtil.createInetAddressFromIpAddressString("::1")));
        assertFalse(InternalAddresses.isLoopback(NetUtil.createInetAddressFromIpAddressString("127.1.2.3")));
    }

    /** Envoy's utility_test isValidRefererValue cases, and the URL parser's edges. */
    @Test
    void refererValues() {
        for (String ok : new String[] {"http://www.example.com", "http://www.example.com/foo?bar=xyz", "/resource.html",
                "resource.html", "foo/bar/resource.html", "", "https://[::1]:8443/a", "ftp://files.example.com/x",
                "a,b", "/p:q"}) {
            assertTrue(RefererCheck.valid(ok), ok);
        }
        for (String bad : new String[] {"mal  formed/path/resource.html", "htp:/www.malformed.com",
                "http://www.example.com/?foo=bar#fragment", "foo=bar#fragment", "http://user@example.com/",
                "http://example.com:99999/", "http://exa~mple.com/", "http://", "a:b", "http://example.com/a b"}) {
            assertFalse(RefererCheck.valid(bad), bad);
        }
    }
}
