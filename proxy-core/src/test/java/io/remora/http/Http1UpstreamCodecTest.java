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
     * An upstream that closes in the middle of a message: Envoy's codec client hands the close to
     * its parser (CodecClient::onEvent), and BalsaParser fails a message begun and not finished
     * (HPE_INVALID_EOF_STATE), so the stream is reset as a protocol error, not a connection
     * termination: upstream_cx_protocol_error and flag UPE, a head cut off is a 502, a body short of
     * its length or a chunked body without its last chunk cuts the client's response off. A body
     * the close frames ends there whole (was: every cut a connection termination, no stat).
     */
    @Test
    void aResponseCutShortByTheCloseIsAProtocolError() throws Exception {
        try (RawUpstreamProxy proxy = RawUpstreamProxy.closingAfterAnswer(path -> switch (path) {
            case "/head" -> "HTTP/1.1 200 OK\r\ncontent-le";
            case "/length" -> "HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc";
            case "/chunked" -> "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n";
            default -> "HTTP/1.1 200 OK\r\n\r\nto the close";
        })) {
            assertEquals(502, proxy.get("/head").status());
            io.remora.accesslog.StreamInfo head = proxy.logged();
            assertEquals("upstream_reset_before_response_started{protocol_error}", head.responseCodeDetails);
            assertTrue(head.hasFlag(io.remora.accesslog.ResponseFlag.UPSTREAM_PROTOCOL_ERROR));
            assertEquals(1, proxy.stats().upstreamCxProtocolError.count());
            for (String path : new String[] {"/length", "/chunked"}) {
                String cut = proxy.getUntilClose(path);
                assertTrue(cut.startsWith("HTTP/1.1 200 "), cut);
                io.remora.accesslog.StreamInfo body = proxy.logged();
                assertEquals("upstream_reset_after_response_started{protocol_error}", body.responseCodeDetails, path);
                assertTrue(body.hasFlag(io.remora.accesslog.ResponseFlag.UPSTREAM_PROTOCOL_ERROR), path);
            }
            assertEquals(3, proxy.stats().upstreamCxProtocolError.count());
            assertEquals("to the close", proxy.get("/close").body());
            assertEquals("via_upstream", proxy.logged().responseCodeDetails);
            assertEquals(3, proxy.stats().upstreamCxProtocolError.count());
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

    /**
     * BalsaFrame takes any number as the status (SimpleAtoi) and neither Envoy's client codec nor
     * its router checks the range, so an upstream's 600, 099 or 1000 is the final response the
     * client gets: the code in decimal ("099" becomes 99, as Envoy's setStatus) and
     * CodeUtility::toString's "Unknown" after it, counted in upstream_rq_unknown (Envoy's code stats
     * name no code outside 100-599) and in no class. A 099 with a non-zero content-length is the
     * codec's 1xx/204 error (statusCode() < 200). Was: 099 and 1000 a protocol error (502), 600
     * written "Unknown Status (600)".
     */
    @Test
    void statusCodesOutside100To599AreFinalResponses() throws Exception {
        try (RawUpstreamProxy proxy = new RawUpstreamProxy(path -> switch (path) {
            case "/600" -> "HTTP/1.1 600 Odd\r\ncontent-length: 2\r\n\r\nok";
            case "/1000" -> "HTTP/1.1 1000 Odd\r\ncontent-length: 2\r\n\r\nok";
            case "/099" -> "HTTP/1.1 099 Odd\r\ncontent-length: 0\r\n\r\n";
            case "/099-body" -> "HTTP/1.1 099 Odd\r\ncontent-length: 2\r\n\r\nok";
            default -> OK;
        })) {
            String six = proxy.getClosing("/600");
            assertTrue(six.startsWith("HTTP/1.1 600 Unknown\r\n"), six);
            assertTrue(six.endsWith("\r\n\r\nok"), six);
            String thousand = proxy.getClosing("/1000");
            assertTrue(thousand.startsWith("HTTP/1.1 1000 Unknown\r\n"), thousand);
            assertTrue(thousand.endsWith("\r\n\r\nok"), thousand);
            String ninetyNine = proxy.getClosing("/099");
            assertTrue(ninetyNine.startsWith("HTTP/1.1 99 Unknown\r\n"), ninetyNine);
            assertEquals(502, proxy.get("/099-body").status());
            String stats = proxy.envoyStats();
            assertTrue(stats.contains("cluster.up.upstream_rq_unknown: 3\n"), stats);
            assertFalse(stats.contains("cluster.up.upstream_rq_600") || stats.contains("cluster.up.upstream_rq_6xx"), stats);
            assertEquals(1, proxy.stats().upstreamCxProtocolError.count());
        }
    }

    /**
     * The reason phrase is Envoy's (CodeUtility::toString), not the upstream's nor Netty's: a code
     * outside Envoy's table is "Unknown", 425 "Too Early". Was: Netty's phrases.
     */
    @Test
    void reasonPhrasesAreEnvoys() throws Exception {
        try (RawUpstreamProxy proxy = new RawUpstreamProxy(path -> "HTTP/1.1 " + path.substring(1)
                + " Whatever\r\ncontent-length: 2\r\n\r\nok")) {
            for (String[] expected : new String[][] {{"418", "Unknown"}, {"425", "Too Early"}, {"209", "Unknown"},
                    {"599", "Last Unassigned Server Error Code"}, {"404", "Not Found"}}) {
                String out = proxy.getClosing("/" + expected[0]);
                assertTrue(out.startsWith("HTTP/1.1 " + expected[0] + " " + expected[1] + "\r\n"), out);
            }
        }
    }

    /**
     * Envoy's encodeHeadersBase adds no framing below 200 (a final 0-99 too: only 1xx and 204 are
     * named, by "status < 200") and treats 205 as any other code; its client codec drops a 0-99's
     * content-length of 0 and, as no code is refused, an upstream's 000 goes on as 0 (Envoy's
     * FilterManager only wants a :status that is a number). Was: 99 with content-length: 0, 000 a
     * reset stream (an empty answer), 205's body dropped for content-length: 0.
     */
    @Test
    void codesBelow200AreUnframedAnd000And205GoOn() throws Exception {
        try (RawUpstreamProxy proxy = new RawUpstreamProxy(path -> switch (path) {
            case "/099" -> "HTTP/1.1 099 Odd\r\ncontent-length: 0\r\n\r\n";
            case "/000" -> "HTTP/1.1 000 Odd\r\ncontent-length: 0\r\n\r\n";
            case "/205" -> "HTTP/1.1 205 Reset\r\ncontent-length: 2\r\n\r\nok";
            default -> OK;
        })) {
            String ninetyNine = proxy.getClosing("/099").toLowerCase();
            assertTrue(ninetyNine.startsWith("http/1.1 99 unknown\r\n"), ninetyNine);
            assertFalse(ninetyNine.contains("content-length") || ninetyNine.contains("transfer-encoding"), ninetyNine);
            assertTrue(ninetyNine.endsWith("\r\n\r\n"), ninetyNine);
            String zero = proxy.getClosing("/000").toLowerCase();
            assertTrue(zero.startsWith("http/1.1 0 unknown\r\n"), zero);
            assertFalse(zero.contains("content-length") || zero.contains("transfer-encoding"), zero);
            String resetContent = proxy.getClosing("/205");
            assertTrue(resetContent.startsWith("HTTP/1.1 205 Reset Content\r\n"), resetContent);
            assertTrue(resetContent.contains("content-length: 2\r\n"), resetContent);
            assertTrue(resetContent.endsWith("\r\n\r\nok"), resetContent);
        }
    }
}
