package io.remora.http;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.ScopedRoutesConfig.KeyFragment;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Scope keys computed as Envoy's HeaderValueExtractorImpl: index and key=value elements, all fragments or none. */
class ScopedRoutesKeyTest {

    private static Http2Headers headers(String... nameValues) {
        Http2Headers h = new DefaultHttp2Headers();
        for (int i = 0; i < nameValues.length; i += 2) {
            h.add(nameValues[i], nameValues[i + 1]);
        }
        return h;
    }

    @Test
    void indexPicksAnElementOrTheWholeValue() {
        KeyFragment second = new KeyFragment("x-path", "/", 2, null, null);
        assertEquals(List.of("b"), ScopedRoutes.key(List.of(second), headers("x-path", "/a/b/c")));
        assertNull(ScopedRoutes.key(List.of(new KeyFragment("x-path", "/", 9, null, null)), headers("x-path", "/a")));
        KeyFragment whole = new KeyFragment("x-tenant", "", 0, null, null);
        assertEquals(List.of("t1,t2"), ScopedRoutes.key(List.of(whole), headers("x-tenant", "t1,t2")));
        // Only the first of repeated headers counts.
        assertEquals(List.of("first"), ScopedRoutes.key(List.of(whole), headers("x-tenant", "first", "x-tenant", "second")));
    }

    @Test
    void elementsSplitAtTheirFirstSeparator() {
        KeyFragment kv = new KeyFragment("addr", ";", 0, "=", "k");
        assertEquals(List.of("v=w"), ScopedRoutes.key(List.of(kv), headers("addr", "a=1;k=v=w")));
        assertEquals(List.of(""), ScopedRoutes.key(List.of(kv), headers("addr", "a=1;k")), "a bare key has an empty value");
        assertNull(ScopedRoutes.key(List.of(kv), headers("addr", "a=1; k=2")), "elements are not trimmed");
    }

    @Test
    void everyFragmentOrNoKey() {
        List<KeyFragment> two = List.of(new KeyFragment("x-a", "", 0, null, null), new KeyFragment("x-b", "", 0, null, null));
        assertEquals(List.of("1", "2"), ScopedRoutes.key(two, headers("x-a", "1", "x-b", "2")));
        assertNull(ScopedRoutes.key(two, headers("x-a", "1")));
    }
}
