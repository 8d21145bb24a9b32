package io.remora.extensions.filters.http.grpc_web;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The strict base64 of the gRPC-Web filter against the JDK's codec. */
class GrpcWebBase64Test {

    @Test
    void roundTripsEveryLengthAsTheJdkEncodes() {
        Random random = new Random(7);
        for (int n = 0; n < 64; n++) {
            byte[] raw = new byte[n];
            random.nextBytes(raw);
            ByteBuf src = Unpooled.wrappedBuffer(raw);
            ByteBuf text = Unpooled.buffer();
            GrpcWebBase64.encode(src, 0, n, text);
            assertEquals(Base64.getEncoder().encodeToString(raw), text.toString(StandardCharsets.US_ASCII));
            if (n > 0) {
                ByteBuf back = Unpooled.buffer();
                assertTrue(GrpcWebBase64.decode(text, text.readableBytes(), back));
                assertArrayEquals(raw, bytes(back));
            }
        }
    }

    @Test
    void refusesWhatEnvoyRefuses() {
        for (String bad : new String[] {"AA=A", "AA==AAAA", "A===", "====", "AAA!", "AA A", "AB==", "AAB=", "-_AA"}) {
            assertFalse(GrpcWebBase64.decode(ascii(bad), bad.length(), Unpooled.buffer()), bad);
        }
    }

    @Test
    void decodesFromTheReaderIndexForTheGivenLength() {
        ByteBuf in = ascii("xxaGVsbG8=rest");
        in.skipBytes(2);
        ByteBuf out = Unpooled.buffer();
        assertTrue(GrpcWebBase64.decode(in, 8, out));
        assertEquals("hello", out.toString(StandardCharsets.US_ASCII));
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    private static byte[] bytes(ByteBuf b) {
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        return out;
    }
}
