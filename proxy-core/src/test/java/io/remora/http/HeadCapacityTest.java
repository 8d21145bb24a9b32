package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.remora.http.upstream.Http1Wire;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** A message head sized for its small body takes the body in the write batch: one buffer, the head's own. */
class HeadCapacityTest {

    // Without leak detection, as the proxy runs: a leak-aware wrapper is never appended to.
    private static final UnpooledByteBufAllocator ALLOC = new UnpooledByteBufAllocator(true, true);

    private static ByteBuf direct(String s, int capacity) {
        ByteBuf b = ALLOC.directBuffer(capacity);
        b.writeCharSequence(s, StandardCharsets.US_ASCII);
        return b;
    }

    @Test
    void aHeadWithRoomCarriesItsBodyOut() {
        String head = "HTTP/1.1 200 OK\r\ncontent-length: 24\r\n\r\n";
        String body = "hello from the upstream\n";
        EmbeddedChannel ch = new EmbeddedChannel(new FlushCoalescer());
        ByteBuf h = direct(head, WriteBatch.headCapacity(head.length(), Http1Wire.smallLength("24")));
        ByteBuf b = direct(body, body.length());
        ch.write(h);
        ch.write(b);
        ch.flush();
        ByteBuf out = ch.readOutbound();
        assertSame(h, out, "the body went into the head's buffer, not into a batch buffer of its own");
        assertEquals(head + body, out.toString(StandardCharsets.US_ASCII));
        assertNull(ch.readOutbound());
        assertEquals(0, b.refCnt());
        out.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void onlySmallBodiesGetRoom() {
        assertEquals(100, WriteBatch.headCapacity(100, 0));
        assertEquals(100 + 64, WriteBatch.headCapacity(100, 24), "at least the batch's minimum room");
        assertEquals(100 + 500, WriteBatch.headCapacity(100, 500));
        assertEquals(100, WriteBatch.headCapacity(100, WriteBatch.SMALL), "head and body past what a batch gathers");
        assertEquals(24, Http1Wire.smallLength("24"));
        assertEquals(0, Http1Wire.smallLength(""));
        assertEquals(0, Http1Wire.smallLength("2049"));
        assertEquals(0, Http1Wire.smallLength("12345"));
        assertEquals(0, Http1Wire.smallLength("1x"));
        assertEquals(0, Http1Wire.smallLength("-1"));
    }
}
