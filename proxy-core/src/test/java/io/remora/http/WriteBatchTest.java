package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Small writes of one pass reach the socket end as one buffer, in order, with every promise kept. */
class WriteBatchTest {

    private static ByteBuf direct(String s, int capacity) {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(capacity);
        b.writeCharSequence(s, StandardCharsets.US_ASCII);
        return b;
    }

    private static String drain(EmbeddedChannel ch, List<Integer> sizes) {
        StringBuilder all = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            sizes.add(b.readableBytes());
            all.append(b.toString(StandardCharsets.US_ASCII));
            b.release();
        }
        return all.toString();
    }

    @Test
    void smallWritesOfAPassLeaveAsOneBufferInOrder() {
        EmbeddedChannel ch = new EmbeddedChannel(new FlushCoalescer());
        ByteBuf a = direct("HEADERS|", 256);   // room left: appended into
        ByteBuf b = Unpooled.wrappedBuffer("DATA|".getBytes(StandardCharsets.US_ASCII)); // heap: copied
        ByteBuf c = direct("HEADERS2|", 16);
        ChannelPromise pa = ch.newPromise();
        ChannelPromise pc = ch.newPromise();
        ch.write(a, pa);
        ch.write(b, ch.voidPromise());
        ch.write(c, pc);
        assertFalse(pa.isDone(), "nothing leaves before the flush");
        ch.flush();
        List<Integer> sizes = new ArrayList<>();
        assertEquals("HEADERS|DATA|HEADERS2|", drain(ch, sizes));
        assertEquals(List.of(22), sizes, "one buffer for the pass");
        assertTrue(pa.isSuccess());
        assertTrue(pc.isSuccess());
        assertEquals(0, b.refCnt());
        assertEquals(0, c.refCnt());
        ch.finishAndReleaseAll();
    }

    @Test
    void aLargeWriteKeepsItsPlaceBetweenBatches() {
        EmbeddedChannel ch = new EmbeddedChannel(new FlushCoalescer());
        ch.write(direct("a|", 256));
        ch.write(direct("b|", 256));
        String large = "L".repeat(WriteBatch.SMALL + 1);
        ch.write(direct(large, large.length()));
        ch.write(direct("c|", 256));
        ch.write(direct("d|", 256));
        ch.flush();
        List<Integer> sizes = new ArrayList<>();
        assertEquals("a|b|" + large + "c|d|", drain(ch, sizes));
        assertEquals(List.of(4, WriteBatch.SMALL + 1, 4), sizes);
        ch.finishAndReleaseAll();
    }

    @Test
    void aFullBatchIsHandedOnAndANewOneStarted() {
        EmbeddedChannel ch = new EmbeddedChannel(new FlushCoalescer());
        String chunk = "x".repeat(1000);
        int writes = WriteBatch.CAPACITY / 1000 + 3;
        List<ChannelPromise> promises = new ArrayList<>();
        for (int i = 0; i < writes; i++) {
            ChannelPromise p = ch.newPromise();
            promises.add(p);
            ch.write(Unpooled.copiedBuffer(chunk, StandardCharsets.US_ASCII), p);
        }
        ch.flush();
        List<Integer> sizes = new ArrayList<>();
        assertEquals(chunk.repeat(writes), drain(ch, sizes));
        assertEquals(List.of(8000, (writes - 8) * 1000), sizes);
        promises.forEach(p -> assertTrue(p.isSuccess()));
        ch.finishAndReleaseAll();
    }

    @Test
    void closingFlushesWhatWasWrittenAndReleasesNothingTwice() {
        EmbeddedChannel ch = new EmbeddedChannel(new FlushCoalescer());
        ByteBuf a = direct("a|", 256);
        ByteBuf b = direct("b|", 4);
        ch.write(a);
        ch.write(b);
        // No flush was asked for: the close sends the batch anyway (a socket would fail what is
        // still unflushed when it closes).
        ch.close();
        ByteBuf out = ch.readOutbound();
        assertEquals("a|b|", out.toString(StandardCharsets.US_ASCII));
        out.release();
        assertEquals(0, a.refCnt());
        assertEquals(0, b.refCnt());
        assertNull(ch.readOutbound());
    }

    @Test
    void belowAnotherOutboundHandlerNothingIsGathered() {
        // As under a TLS handler, which gathers what it encrypts itself.
        EmbeddedChannel ch = new EmbeddedChannel(new ChannelDuplexHandler() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                ctx.write(msg, promise);
            }
        }, new FlushCoalescer());
        ByteBuf a = direct("a|", 256);
        ch.write(a);
        ch.write(direct("b|", 256));
        ch.flush();
        ByteBuf first = ch.readOutbound();
        assertSame(a, first);
        assertEquals(2, first.readableBytes());
        first.release();
        ByteBuf second = ch.readOutbound();
        assertEquals("b|", second.toString(StandardCharsets.US_ASCII));
        second.release();
        ch.finishAndReleaseAll();
    }
}
