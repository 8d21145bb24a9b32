package io.remora.http.upstream;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.util.AsciiString;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class LowerCaseNamesTest {

    @Test
    void knownNamesInAnyCaseGiveNettysConstant() {
        assertSame(HttpHeaderNames.CONTENT_TYPE, LowerCaseNames.of("Content-Type"));
        assertSame(HttpHeaderNames.CONTENT_TYPE, LowerCaseNames.of(new AsciiString("CONTENT-TYPE")));
        assertSame(HttpHeaderNames.HOST, LowerCaseNames.of("host"));
        assertSame(HttpHeaderNames.USER_AGENT, LowerCaseNames.of("User-Agent"));
    }

    @Test
    void otherNamesAreLowerCased() {
        assertEquals(new AsciiString("x-envoy-custom"), LowerCaseNames.of("X-Envoy-Custom"));
        assertEquals(new AsciiString("content-typ"), LowerCaseNames.of("Content-Typ"));
        assertEquals(new AsciiString(""), LowerCaseNames.of(""));
    }
}
