package io.remora.util;

import io.netty.util.AsciiString;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class AsciiNumbersTest {

    @Test
    void decimalTextOfEveryKindOfValue() {
        long[] values = {0, 1, 9, 10, 999, 1023, 1024, 15_000, 30_000, 86_400_000L, Long.MAX_VALUE, -1, -15_000,
                Long.MIN_VALUE};
        for (int round = 0; round < 2; round++) { // the second round reads what the first cached
            for (long v : values) {
                assertEquals(Long.toString(v), AsciiNumbers.of(v).toString());
            }
        }
    }

    @Test
    void valuesSharingAMemoSlotNeverAnswerForEachOther() {
        // 64 apart in the low bits, same high bits: the same slot; alternating must not confuse them.
        for (int i = 0; i < 1000; i++) {
            long a = 100_000 + 64L * (i % 7);
            assertEquals(Long.toString(a), AsciiNumbers.of(a).toString());
            assertEquals(Long.toString(a + 64), AsciiNumbers.of(a + 64).toString());
        }
    }

    @Test
    void repeatedValuesAreOneObject() {
        AsciiString small = AsciiNumbers.of(17);
        assertSame(small, AsciiNumbers.of(17));
        AsciiString timeout = AsciiNumbers.of(15_000);
        assertSame(timeout, AsciiNumbers.of(15_000));
    }
}
