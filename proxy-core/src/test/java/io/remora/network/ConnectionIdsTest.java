package io.remora.network;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.AttributeKey;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An accepted connection's id comes from its ConnectionInfo; only channels without one get an attribute. */
class ConnectionIdsTest {

    private static final AttributeKey<Long> ATTRIBUTE = AttributeKey.valueOf("remora.connection_id");

    @Test
    void anAcceptedConnectionsIdLeavesTheChannelWithoutAnAttribute() {
        EmbeddedChannel ch = new EmbeddedChannel();
        long id = ConnectionIds.next();
        ConnectionInfo info = new ConnectionInfo("l", null, null, null, null, "raw_buffer", List.of(), null, null,
                null, id, ConnectionInfo.DEFAULT_BUFFER_LIMIT);
        assertEquals(id, ConnectionIds.of(info, ch));
        assertEquals(id, ConnectionIds.of(info, ch), "the same id every time");
        assertFalse(ch.hasAttr(ATTRIBUTE), "no attribute for a connection whose info holds its id");
        ch.finishAndReleaseAll();
    }

    @Test
    void aChannelWithoutAnIdInItsInfoKeepsOneInAnAttribute() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ConnectionInfo info = new ConnectionInfo("l", null, null, null, null, "raw_buffer", List.of());
        long id = ConnectionIds.of(info, ch);
        assertTrue(ch.hasAttr(ATTRIBUTE));
        assertEquals(id, ConnectionIds.of(null, ch));
        assertEquals(id, ConnectionIds.of(ch));
        assertNotEquals(id, ConnectionIds.next(), "one sequence for both kinds");
        ch.finishAndReleaseAll();
    }
}
