package io.remora.http;

import io.remora.http.testing.LeakCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
