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
            RespValue v;
            while ((v = RespDecoder.decode(in)) != null) {
                got.append(v).append(' ');
            }
            in.writeBytes(buf(wire.substring(cut)));
            while ((v = RespDecoder.decode(in)) != null) {
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
        assertEquals(v.toString(), RespDecoder.decode(out).toString());
    }

    @Test
    void notRespIsAProtocolError() {
        assertThrows(RespProtocolException.class, () -> RespDecoder.decode(buf("GET k\r\n")));
        assertThrows(RespProtocolException.class, () -> RespDecoder.decode(buf("$x\r\n")));
        assertThrows(RespProtocolException.class, () -> RespDecoder.decode(buf("$-2\r\n")));
        assertThrows(RespProtocolException.class, () -> RespDecoder.decode(buf("$1\r\nab\r\n")));
        assertThrows(RespProtocolException.class, () -> RespDecoder.decode(buf("+OK\rX")));
        assertNull(RespDecoder.decode(buf("*2\r\n$1\r\na\r\n")), "incomplete, not an error");
    }
}
