package io.remora.accesslog;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RequestLineOperatorsTest {

    private static StreamInfo request(String path) {
        StreamInfo i = AccessLogFormatterTest.http();
        i.requestHeaders.path(path);
        return i;
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "%PATH%|/old?b=2", "%PATH(NQ)%|/old", "%PATH(WQ:PATH)%|/new?a=1", "%PATH(NQ:ORIG)%|/old",
            "%PATH(:ORIG_OR_PATH)%|/old?b=2", "%PATH(WQ):4%|/old"})
    void pathChoosesTheHeaderAndTheQuery(String format, String expected) {
        StreamInfo i = request("/new?a=1");
        i.requestHeaders.add("x-envoy-original-path", "/old?b=2");
        assertEquals(expected, AccessLogFormatter.text(format).format(i));
    }

    @Test
    void pathWithoutAnOriginalFallsBackAndOrigAloneIsMissing() {
        StreamInfo i = request("/p?q");
        assertEquals("/p?q /p -", AccessLogFormatter.text("%PATH% %PATH(NQ:ORIG_OR_PATH)% %PATH(WQ:ORIG)%").format(i));
    }

    @Test
    void pathOptionsAreCheckedAsEnvoyChecksThem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AccessLogFormatter.text("%PATH(XQ)%"));
        assertEquals("access log format: Invalid PATH option: 'XQ', only 'WQ'/'NQ' are allowed", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AccessLogFormatter.text("%PATH(NQ:HOST)%"));
        assertEquals("access log format: Invalid PATH option: 'HOST', only 'ORIG'/'PATH'/'ORIG_OR_PATH' are allowed",
                e.getMessage());
    }

    @Test
    void queryParamIsTheFirstDecodedValue() {
        StreamInfo i = request("/search?q=caf%C3%A9+au+lait&page=2&page=3&flag&e=&a%20b=c#frag");
        // A name without '=' has the empty value, which a text format prints as "-" like any empty one.
        assertEquals("café au lait|2|-|c|-|-|caf",
                AccessLogFormatter.text("%QUERY_PARAM(q)%|%QUERY_PARAM(page)%|%QUERY_PARAM(flag)%"
                        + "|%QUERY_PARAM(a b)%|%QUERY_PARAM(frag)%|%QUERY_PARAM(missing)%|%QUERY_PARAM(q):3%").format(i));
        assertEquals("-", AccessLogFormatter.text("%QUERY_PARAM(q)%").format(request("/no-query")));
        assertThrows(IllegalArgumentException.class, () -> AccessLogFormatter.text("%QUERY_PARAM%"));
    }

    @Test
    void queryParamsIsTheWholeQueryAsSentOrDecoded() {
        StreamInfo i = request("/search?q=caf%C3%A9+au+lait&a%20b=c#frag");
        assertEquals("q=caf%C3%A9+au+lait&a%20b=c|q=caf%C3%A9+au+lait&a%20b=c|q=café au lait&a b=c|q=caf",
                AccessLogFormatter.text("%QUERY_PARAMS%|%QUERY_PARAMS(ORIG)%|%QUERY_PARAMS(DECODED)%"
                        + "|%QUERY_PARAMS:5%").format(i));
        assertEquals("- -", AccessLogFormatter.text("%QUERY_PARAMS% %QUERY_PARAMS(DECODED)%").format(request("/p")));
        assertEquals("-", AccessLogFormatter.text("%QUERY_PARAMS%").format(request("/p?")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AccessLogFormatter.text("%QUERY_PARAMS(RAW)%"));
        assertEquals("access log format: Invalid QUERY_PARAMS option: 'RAW', only 'ORIG'/'DECODED' are allowed",
                e.getMessage());
    }

    private static StreamInfo withSni(String sni) {
        StreamInfo i = AccessLogFormatterTest.http();
        i.fromConnection(new io.remora.network.ConnectionInfo("l", null, null, null, sni, sni == null ? null : "tls",
                List.of(), null, null, null, 7, io.remora.network.ConnectionInfo.DEFAULT_BUFFER_LIMIT, null, null), null);
        return i;
    }

    @Test
    void requestedServerNameFallsBackToTheHostAsAsked() {
        String f = "%REQUESTED_SERVER_NAME% %REQUESTED_SERVER_NAME(SNI_ONLY)% %REQUESTED_SERVER_NAME(SNI_FIRST)% "
                + "%REQUESTED_SERVER_NAME(HOST_FIRST)% %REQUESTED_SERVER_NAME(HOST_FIRST:HOST)% "
                + "%REQUESTED_SERVER_NAME(SNI_FIRST:ORIG)%";
        StreamInfo tls = withSni("sni.example");
        tls.requestHeaders.add("x-envoy-original-host", "orig.example");
        assertEquals("sni.example sni.example sni.example orig.example locations sni.example",
                AccessLogFormatter.text(f).format(tls));
        StreamInfo plain = withSni(null);
        assertEquals("- - locations locations locations -", AccessLogFormatter.text(f).format(plain));
    }

    @Test
    void requestedServerNameOptionsAreChecked() {
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> AccessLogFormatter.text("%REQUESTED_SERVER_NAME(FIRST)%")).getMessage().contains("'FIRST'"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> AccessLogFormatter.text("%REQUESTED_SERVER_NAME(SNI_FIRST:X)%")).getMessage().contains("'X'"));
        assertThrows(IllegalArgumentException.class, () -> AccessLogFormatter.text("%REQUESTED_SERVER_NAME:3%"));
    }

    @Test
    void fullHeaderNamesAreTheShortOnes() {
        StreamInfo i = AccessLogFormatterTest.http();
        i.responseTrailers = new io.netty.handler.codec.http2.DefaultHttp2Headers().add("grpc-status", "0");
        assertEquals("nsq2http|loca|100|0",
                AccessLogFormatter.text("%REQUEST_HEADER(USER-AGENT)%|%REQUEST_HEADER(x-missing?:authority):4%"
                        + "|%RESPONSE_HEADER(x-envoy-upstream-service-time)%|%RESPONSE_TRAILER(grpc-status)%").format(i));
        assertThrows(IllegalArgumentException.class, () -> AccessLogFormatter.text("%REQUEST_HEADER%"));
    }

    @Test
    void retransmissionsAreZeroAndJa4IsMissing() {
        assertEquals("0 0 -", AccessLogFormatter.text("%BYTES_RETRANSMITTED% %PACKETS_RETRANSMITTED% %TLS_JA4_FINGERPRINT%")
                .format(AccessLogFormatterTest.http()));
        assertThrows(IllegalArgumentException.class, () -> AccessLogFormatter.text("%BYTES_RETRANSMITTED(x)%"));
    }
}
