package io.remora.redis;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** RESP2 in pieces: nothing is consumed until a value is whole; what is not RESP is refused. */
class RespDecoderTest {

    private static ByteBuf buf(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    @Test
    void aValueSplitAnywhereIsReadOnceWhole() {
        String wire = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\nv\r\nx\r\n:-7\r\n+OK\r\n-ERR no\r\n$-1\r\n*-1\r\n";
        for (int cut = 1; cut < wire.length(); cut++) {
            ByteBuf in = Unpooled.buffer();
            in.writeBytes(buf(wire.substring(0, cut)));
            StringBuilder got = new StringBuilder();
            RespDecoder decoder = new RespDecoder();
            RespValue v;
            while ((v = decoder.decode(in)) != null) {
                got.append(v).append(' ');
            }
            // A cumulating reader may compact the buffer between reads: the scan resumes from the reader index.
            in.discardReadBytes();
            in.writeBytes(buf(wire.substring(cut)));
            while ((v = decoder.decode(in)) != null) {
                got.append(v).append(' ');
            }
            assertEquals("[\"SET\", \"k\", \"v\r\nx\"] -7 \"OK\" -ERR no null null ", got.toString(), "cut at " + cut);
            assertEquals(0, in.readableBytes());
        }
    }

    @Test
    void encodesWhatItDecodes() {
        RespValue v = RespValue.array(List.of(RespValue.bulk("a"), RespValue.integer(3), RespValue.NULL,
                RespValue.simple("OK"), RespValue.error("ERR x")));
        ByteBuf out = Unpooled.buffer();
        RespEncoder.encode(v, out);
        assertEquals("*5\r\n$1\r\na\r\n:3\r\n$-1\r\n+OK\r\n-ERR x\r\n", out.toString(StandardCharsets.US_ASCII));
        assertEquals(v.toString(), new RespDecoder().decode(out).toString());
    }

    /** Each piece of a large array is scanned once: the element count read so far is kept. */
    @Test
    void aLargeArrayInPiecesIsScannedOnTheWay() {
        int n = 20_000;
        ByteBuf in = Unpooled.buffer();
        RespDecoder decoder = new RespDecoder();
        in.writeBytes(buf("*" + n + "\r\n"));
        for (int k = 0; k < n; k++) {
            assertNull(decoder.decode(in));
            in.writeBytes(buf(k % 2 == 0 ? "$1\r\nx\r\n" : ":" + k + "\r\n"));
        }
        RespValue v = decoder.decode(in);
        assertEquals(n, v.array().size());
        assertEquals(0, in.readableBytes());
        in.writeBytes(buf("+OK\r\n"));
        assertEquals("\"OK\"", decoder.decode(in).toString(), "the next value starts afresh");
    }

    @Test
    void aValuePastTheLimitIsAProtocolError() {
        RespDecoder decoder = new RespDecoder(1024);
        ByteBuf in = buf("$100000\r\n" + "x".repeat(1000));
        assertNull(decoder.decode(in), "within the limit so far");
        in.writeBytes(buf("x".repeat(100)));
        assertThrows(RespProtocolException.class, () -> decoder.decode(in));
    }

    @Test
    void notRespIsAProtocolError() {
        assertThrows(RespProtocolException.class, () -> new RespDecoder().decode(buf("GET k\r\n")));
        assertThrows(RespProtocolException.class, () -> new RespDecoder().decode(buf("$x\r\n")));
        assertThrows(RespProtocolException.class, () -> new RespDecoder().decode(buf("$-2\r\n")));
        assertThrows(RespProtocolException.class, () -> new RespDecoder().decode(buf("$1\r\nab\r\n")));
        assertThrows(RespProtocolException.class, () -> new RespDecoder().decode(buf("+OK\rX")));
        assertNull(new RespDecoder().decode(buf("*2\r\n$1\r\na\r\n")), "incomplete, not an error");
    }
}
