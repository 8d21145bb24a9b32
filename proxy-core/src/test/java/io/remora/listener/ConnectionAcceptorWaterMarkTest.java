package io.remora.listener;

import io.netty.channel.WriteBufferWaterMark;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

/** per_connection_buffer_limit_bytes as write watermarks: the limit high, half of it low, one instance per limit. */
class ConnectionAcceptorWaterMarkTest {

    @Test
    void marksFollowTheLimitAndAreShared() {
        WriteBufferWaterMark m = ConnectionAcceptor.waterMark(1 << 20);
        assertEquals(1 << 20, m.high());
        assertEquals(1 << 19, m.low());
        assertSame(m, ConnectionAcceptor.waterMark(1 << 20));
        WriteBufferWaterMark small = ConnectionAcceptor.waterMark(1);
        assertNotSame(m, small);
        assertEquals(1, small.high());
        assertEquals(1, small.low());
        assertEquals(32768, ConnectionAcceptor.waterMark(32768).high());
        assertEquals(16384, ConnectionAcceptor.waterMark(32768).low());
    }
}
