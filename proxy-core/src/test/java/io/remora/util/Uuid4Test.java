package io.remora.util;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.util.AsciiString;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Uuid4Test {

    private static final String V4 = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";

    @Test
    void randomVersion4TextEveryWayItIsRead() {
        Set<String> seen = new HashSet<>();
        for (int n = 0; n < 2000; n++) {
            Uuid4 id = Uuid4.random();
            String text = id.toString();
            assertTrue(text.matches(V4), text);
            assertEquals(36, id.length());
            StringBuilder byChar = new StringBuilder();
            for (int i = 0; i < id.length(); i++) {
                byChar.append(id.charAt(i));
            }
            assertEquals(text, byChar.toString());
            assertEquals(text.hashCode(), id.hashCode());
            assertEquals(text.substring(9, 13), id.subSequence(9, 13).toString());
            assertTrue(AsciiString.contentEquals(text, id));
            // What the HTTP/1.1 writer does with a value that is not an AsciiString.
            ByteBuf out = Unpooled.buffer();
            ByteBufUtil.writeAscii(out, id);
            assertEquals(text, out.toString(StandardCharsets.US_ASCII));
            out.release();
            seen.add(text);
        }
        assertEquals(2000, seen.size(), "no repeats");
    }

    @Test
    void everyNibbleVaries() {
        // Each hex position but the fixed ones takes more than one value over many ids.
        @SuppressWarnings("unchecked")
        Set<Character>[] values = new Set[36];
        for (int i = 0; i < 36; i++) {
            values[i] = new HashSet<>();
        }
        for (int n = 0; n < 500; n++) {
            Uuid4 id = Uuid4.random();
            for (int i = 0; i < 36; i++) {
                values[i].add(id.charAt(i));
            }
        }
        for (int i = 0; i < 36; i++) {
            int expected = i == 8 || i == 13 || i == 18 || i == 23 || i == 14 ? 1 : i == 19 ? 4 : 16;
            assertEquals(expected, values[i].size(), "position " + i);
        }
    }

    @Test
    void equalityAndBounds() {
        Uuid4 a = Uuid4.random();
        assertEquals(a, a);
        assertNotEquals(a, Uuid4.random());
        assertThrows(IndexOutOfBoundsException.class, () -> a.charAt(36));
        assertThrows(IndexOutOfBoundsException.class, () -> a.charAt(-1));
    }
}
