package io.remora.http;

import io.remora.config.ResponseHeaderLimits;
import io.remora.http.testing.LeakCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An HTTP/1.1 upstream's exact bytes against what Envoy's client codec (BalsaParser over quiche's
 * BalsaFrame, ClientConnectionImpl) makes of them.
 */
@ExtendWith(LeakCheck.class)
class Http1UpstreamCodecTest {

    private static final String OK = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";

    /**
     * BalsaParser::execute wants 'H' as the first byte of a response (HPE_INVALID_CONSTANT): empty
     * lines before one, which BalsaFrame skips before a request, are a protocol error (502), on a
     * new connection and on one kept alive after a response (was: skipped, 200).
     */
    @Test
    void emptyLinesBeforeAResponseAreAProtocolError() throws Exception {
        try (RawUpstreamProxy proxy = new RawUpstreamProxy(path -> switch (path) {
            case "/crlf" -> "\r\n" + OK;
            case "/lf" -> "\n\n" + OK;
            default -> OK;
        })) {
            assertEquals(502, proxy.get("/crlf").status());
            assertEquals(1, proxy.stats().upstreamCxProtocolError.count());
            assertEquals("ok", proxy.get("/").body());
            assertEquals(2, proxy.connections.get());
            assertEquals(502, proxy.get("/lf").status());
            assertEquals(2, proxy.connections.get(), "the second answer was not on the connection kept alive");
            assertEquals(2, proxy.stats().upstreamCxProtocolError.count());
        }
    }

    /**
     * With enable_trailers, Envoy's codec counts a trailer section on its own against the
     * cluster's max_headers_count (completeCurrentHeader: "trailers count exceeds limit"): past it, a
     * codec error that costs the connection, the response already begun cut off (was: forwarded).
     * Without enable_trailers the trailers are dropped unread and count for nothing.
     */
    @Test
    void trailersPastMaxHeadersCountAreAProtocolError() throws Exception {
        String head = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n";
        java.util.function.Function<String, String> answer = path -> head
                + (path.equals("/three") ? "x-a: 1\r\nx-b: 2\r\nx-c: 3\r\n\r\n" : "x-a: 1\r\nx-b: 2\r\n\r\n");
        ResponseHeaderLimits two = new ResponseHeaderLimits(2, 60 * 1024);
        try (RawUpstreamProxy proxy = new RawUpstreamProxy(answer,
                b -> b.responseHeaderLimits(two).http1EnableTrailers(true))) {
            assertEquals("ok", proxy.get("/two").body());
            String cut = proxy.getUntilClose("/three");
            assertTrue(cut.startsWith("HTTP/1.1 200 "), cut);
            assertFalse(cut.endsWith("0\r\n\r\n"), "the response ended whole: " + cut);
            assertEquals(1, proxy.stats().upstreamCxProtocolError.count());
        }
        try (RawUpstreamProxy proxy = new RawUpstreamProxy(answer, b -> b.responseHeaderLimits(two))) {
            assertEquals("ok", proxy.get("/three").body());
            assertEquals(0, proxy.stats().upstreamCxProtocolError.count());
        }
    }
}
