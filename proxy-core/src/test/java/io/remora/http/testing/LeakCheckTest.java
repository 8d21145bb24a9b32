package io.remora.http.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The leak check reports a buffer that is never released, whichever test class ran first. */
class LeakCheckTest {

    @Test
    void reportsAnUnreleasedBuffer() throws Exception {
        LeakCheck.install();
        assertTrue(LeakCheck.leaks().isEmpty(), "nothing leaked before this test");
        leakOne();
        List<String> leaks = List.of();
        for (int i = 0; i < 10 && leaks.isEmpty(); i++) {
            leaks = LeakCheck.leaks();
        }
        assertTrue(leaks.stream().anyMatch(l -> l.contains("ByteBuf")), leaks.toString());
        assertTrue(LeakCheck.leaks().isEmpty(), "reported once, then forgotten");
    }

    private static void leakOne() {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        b.writeInt(42);
        // dropped without release()
    }
}
