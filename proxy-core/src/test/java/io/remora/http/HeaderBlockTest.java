package io.remora.http;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeaderBlockTest {

    @Test
    void multipleValuesKeepTheirOrderAndGetAnswersTheFirst() {
        HeaderBlock h = new HeaderBlock(2);
        h.add("accept", "a").add("x-b", "1").add("accept", "b").add("accept", "c");
        assertEquals("a", h.get("accept"));
        assertEquals(List.of("a", "b", "c"), strings(h.getAll("accept")));
        assertEquals(List.of("a", "b", "c"), strings(iterate(h.valueIterator("accept"))));
        assertEquals(4, h.size());
        assertTrue(h.getAll("missing").isEmpty());
        assertNull(h.get("missing"));
    }

    @Test
    void namesCompareWithoutCaseValuesAsAsked() {
        HeaderBlock h = new HeaderBlock();
        h.add(AsciiString.of("Content-Type"), "text/plain");
        h.add("x-ID", "Abc");
        assertEquals("text/plain", h.get("content-type").toString());
        assertEquals("text/plain", h.get(AsciiString.of("CONTENT-TYPE")).toString());
        assertTrue(h.contains("X-Id"));
        assertTrue(h.contains("x-id", "Abc"));
        assertFalse(h.contains("x-id", "abc"));
        assertTrue(h.contains("x-id", "abc", true));
        assertFalse(h.contains("x-id", "abd", true));
        h.set("CONTENT-type", "a");
        assertEquals(List.of("a"), strings(h.getAll("content-type")));
        assertTrue(h.remove("X-ID"));
        assertFalse(h.contains("x-id"));
        assertEquals(1, h.size());
    }

    @Test
    void pseudoHeadersComeFirstInTheOrderTheyWereAdded() {
        HeaderBlock h = new HeaderBlock(1);
        h.add("host", "h").add("user-agent", "u");
        h.method("GET").path("/p").add("accept", "*/*").scheme("http").authority("a");
        assertEquals(List.of(":method", ":path", ":scheme", ":authority", "host", "user-agent", "accept"), names(h));
        assertEquals(4, h.pseudoCount());
        // set moves the name behind the others of its section, as Netty's block does
        h.path("/q");
        h.set("host", "h2");
        assertEquals(List.of(":method", ":scheme", ":authority", ":path", "user-agent", "accept", "host"), names(h));
        assertEquals("/q", h.path().toString());
        h.remove(":method");
        assertEquals(3, h.pseudoCount());
        assertNull(h.method());
        assertEquals(List.of(":scheme", ":authority", ":path", "user-agent", "accept", "host"), names(h));
    }

    @Test
    void removalInTheMiddleAndGrowthPastTheInitialSize() {
        HeaderBlock h = new HeaderBlock(2);
        for (int i = 0; i < 40; i++) {
            h.add("x-" + (i % 5), Integer.toString(i));
        }
        assertEquals(40, h.size());
        assertEquals(List.of("2", "7", "12", "17", "22", "27", "32", "37"), strings(h.getAll("x-2")));
        assertEquals("2", h.getAndRemove("x-2"));
        assertEquals(32, h.size());
        assertFalse(h.contains("x-2"));
        h.removeAt(0);
        assertEquals("1", h.value(0).toString());
        assertEquals("x-1", h.name(0).toString());
        assertEquals(List.of("3", "8", "13", "18", "23", "28", "33", "38"), strings(h.getAll("x-3")));
        assertEquals(List.of("x-1", "x-3", "x-4", "x-0"), List.copyOf(h.names()).stream().map(Object::toString).toList());
        h.clear();
        assertTrue(h.isEmpty());
        assertEquals(0, h.pseudoCount());
        h.add("a", "b");
        assertEquals("b", h.get("a"));
    }

    @Test
    void iteratorsRemoveWhatTheyReturned() {
        HeaderBlock h = new HeaderBlock();
        h.add("te", "trailers").add("a", "1").add("te", "gzip").add("te", "deflate").status("200");
        for (Iterator<CharSequence> it = h.valueIterator("te"); it.hasNext(); ) {
            if (!"trailers".contentEquals(it.next())) {
                it.remove();
            }
        }
        assertEquals(List.of(":status", "te", "a"), names(h));
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iterator(); it.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            if (e.getKey().equals("a")) {
                it.remove();
            } else if (e.getKey().equals("te")) {
                e.setValue("x");
            }
        }
        assertEquals(List.of(":status", "te"), names(h));
        assertEquals("x", h.get("te"));
    }

    @Test
    void typedAccessorsConvertAsNettys() {
        HeaderBlock h = new HeaderBlock();
        h.setLong("content-length", 42).addInt("x-n", 7).setObject("x-o", 3.5).addBoolean("x-b", true);
        assertEquals(42L, h.getLong("content-length"));
        assertEquals(7, h.getInt("x-n", 0));
        assertEquals(-1, h.getInt("x-o", -1)); // "3.5" is not an int: absent, as Netty reads it
        assertEquals(3.5, h.getDouble("x-o"));
        assertTrue(h.containsLong("content-length", 42));
        assertTrue(h.getBoolean("x-b"));
        assertEquals(7, h.getIntAndRemove("x-n"));
        assertFalse(h.contains("x-n"));
        h.set("x-v", "a", "b", null, "c");
        assertEquals(List.of("a", "b"), strings(h.getAll("x-v")));
    }

    @Test
    void copiesAndEqualityAgreeWithNettysBlock() {
        HeaderBlock h = new HeaderBlock();
        h.add("a", "1").add("b", "2").add("a", "3").method("GET");
        Http2Headers netty = new DefaultHttp2Headers(false).method("GET").add("b", "2").add("a", "1").add("a", "3");
        assertEquals(h, netty);
        assertEquals(netty, h);
        assertEquals(h, HeaderBlock.of(netty));
        assertEquals(h.hashCode(), HeaderBlock.of(netty).hashCode());
        assertNotEquals(h, new DefaultHttp2Headers(false).method("GET").add("b", "2").add("a", "3").add("a", "1"));
        HeaderBlock copy = h.copy(0);
        copy.add("c", "4");
        assertEquals(4, h.size());
        assertEquals(5, copy.size());
        assertSame(h, HeaderBlock.of(h));
        HeaderBlock replaced = new HeaderBlock(1);
        replaced.add("z", "0").status("500");
        replaced.set(h);
        assertEquals(h, replaced);
        assertEquals(1, replaced.pseudoCount());
        assertThrows(IllegalArgumentException.class, () -> h.add(h));
        assertThrows(NullPointerException.class, () -> h.add("x", (CharSequence) null));
    }

    /** The same operations on this block and on Netty's give the same block, entry for entry. */
    @Test
    void randomOperationsMatchDefaultHttp2Headers() {
        Random r = new Random(12);
        String[] names = {":method", ":path", ":status", "a", "b", "cookie", "x-long-header-name", "te"};
        for (int round = 0; round < 200; round++) {
            HeaderBlock mine = new HeaderBlock(r.nextInt(4));
            Http2Headers theirs = new DefaultHttp2Headers(false, 2);
            for (int op = 0; op < 30; op++) {
                String n = names[r.nextInt(names.length)];
                String v = Integer.toString(r.nextInt(5));
                switch (r.nextInt(6)) {
                    case 0, 1 -> {
                        mine.add(n, v);
                        theirs.add(n, v);
                    }
                    case 2 -> {
                        mine.set(n, v);
                        theirs.set(n, v);
                    }
                    case 3 -> assertEquals(theirs.remove(n), mine.remove(n));
                    case 4 -> assertEquals(theirs.contains(n, v), mine.contains(n, v));
                    default -> assertEquals(strings(theirs.getAll(n)), strings(mine.getAll(n)));
                }
                assertEquals(entries(theirs), entries(mine), "round " + round + " op " + op);
                assertEquals(theirs.size(), mine.size());
            }
            assertEquals(theirs, mine);
        }
    }

    @Test
    void aSinglePassLendsOneReusedCursorAndThenOrdinaryEntries() {
        HeaderBlock h = new HeaderBlock();
        h.status("200").add("a", "1").add("b", "2");
        h.beginSinglePass();
        Iterator<Map.Entry<CharSequence, CharSequence>> first = h.iterator();
        List<String> seen = new ArrayList<>();
        Map.Entry<CharSequence, CharSequence> previous = null;
        while (first.hasNext()) {
            Map.Entry<CharSequence, CharSequence> e = first.next();
            seen.add(e.getKey() + "=" + e.getValue());
            assertTrue(previous == null || previous == e, "one entry object for the pass");
            previous = e;
        }
        assertSame(first, h.iterator(), "the cursor is reused by the next walk");
        assertEquals(List.of(":status=200", "a=1", "b=2"), seen);
        assertEquals(seen, entries(h));
        h.endSinglePass();
        Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iterator();
        assertFalse(it.next() == it.next(), "entries are their own objects again");
    }

    @Test
    void aValidatingBlockRefusesWhatRfc9113Forbids() {
        assertRefused(b -> b.add("Upper", "x"));
        assertRefused(b -> b.add(":bogus", "x"));
        assertRefused(b -> b.add("", "x"));
        assertRefused(b -> b.add(":path", ""));
        assertRefused(b -> b.method("GET").add(":method", "POST"));
        HeaderBlock ok = HeaderBlock.validating(4);
        ok.method("GET").path("/").add("x-a", "1");
        assertEquals(3, ok.size());
        ok.stopValidating();
        ok.add("X-Later", "1"); // filters' additions are not HPACK's to judge
        assertEquals("1", ok.get("x-later"));
        new HeaderBlock().add("Upper", "x"); // a plain block takes any name
    }

    private static void assertRefused(java.util.function.Consumer<HeaderBlock> fill) {
        assertThrows(Http2Exception.class, () -> fill.accept(HeaderBlock.validating(2)));
    }

    private static List<String> entries(Http2Headers h) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<CharSequence, CharSequence> e : h) {
            out.add(e.getKey() + "=" + e.getValue());
        }
        return out;
    }

    private static List<String> names(Http2Headers h) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<CharSequence, CharSequence> e : h) {
            out.add(e.getKey().toString());
        }
        return out;
    }

    private static List<String> strings(List<? extends CharSequence> l) {
        return l.stream().map(Object::toString).toList();
    }

    private static List<CharSequence> iterate(Iterator<CharSequence> it) {
        List<CharSequence> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
