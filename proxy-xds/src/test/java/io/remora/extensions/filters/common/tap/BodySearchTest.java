package io.remora.extensions.filters.common.tap;

import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Envoy's generic body match: patterns found across chunks, and the byte limit. */
class BodySearchTest {

    private static BodySearch search(long limit, String... patterns) {
        return new BodySearch(java.util.Arrays.stream(patterns).map(p -> p.getBytes(StandardCharsets.UTF_8)).toList(),
                limit);
    }

    private static void feed(BodySearch s, String... chunks) {
        for (String c : chunks) {
            s.onData(Unpooled.copiedBuffer(c, StandardCharsets.UTF_8));
        }
    }

    @Test
    void everyPatternMustBeSeenEvenSplitAcrossChunks() {
        BodySearch s = search(0, "needle", "xy");
        feed(s, "hay ne", "e", "dle hay x");
        assertFalse(s.found(), "xy not seen yet");
        feed(s, "y");
        assertTrue(s.found());
    }

    @Test
    void theLimitCountsFromTheBodysStart() {
        BodySearch within = search(8, "needle");
        feed(within, "ab", "needle", "zz");
        assertTrue(within.found());

        BodySearch beyond = search(7, "needle");
        feed(beyond, "ab", "needle");
        assertFalse(beyond.found(), "the needle ends past byte 7");
        assertTrue(beyond.exhausted());
    }

    @Test
    void aPatternNeverSeenIsNotFound() {
        BodySearch s = search(0, "needle");
        feed(s, "needl", "x", "eedle");
        assertFalse(s.found());
        assertFalse(s.exhausted(), "without a limit the rest of the body may still have it");
    }
}
