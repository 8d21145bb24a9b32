package io.remora.http;

import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Envoy's grpc-message percent-encoding: '~' and above, controls and '%' escaped, UTF-8 bytes one by one. */
class PercentEncodingTest {

    @Test
    void escapesAsEnvoyDoes() {
        String plain = "no healthy upstream";
        assertSame(plain, PercentEncoding.grpcMessage(plain));
        assertEquals("100%25 %7E no", PercentEncoding.grpcMessage("100% ~ no"));
        assertEquals("a%7Eb%0Ac%C3%A9", PercentEncoding.grpcMessage("a~b\nc\u00e9"));
        assertEquals("a%7Eb%0Ac%C3%A9", PercentEncoding.grpcMessage(
                Unpooled.wrappedBuffer("a~b\nc\u00e9".getBytes(StandardCharsets.UTF_8))));
    }
}
