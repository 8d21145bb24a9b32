package io.remora.http.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Http1HeaderViewTest {

    private static Http2Headers response() {
        Http2Headers h = new DefaultHttp2Headers(false);
        h.status("200");
        h.add("content-type", "text/plain");
        h.add("connection", "keep-alive");
        h.add("set-cookie", "a=1");
        h.add("set-cookie", "b=2");
        h.add("x-upstream", "yes");
        return h;
    }

    private static HttpHeaders view(Http2Headers h) {
        return new Http1HeaderView(h, n -> AsciiString.contentEqualsIgnoreCase(n, "connection"));
    }

    @Test
    void showsRegularHeadersOnlyAndLooksUpWithoutCase() {
        HttpHeaders v = view(response());
        assertEquals("text/plain", v.get("Content-Type"));
        assertEquals(List.of("a=1", "b=2"), v.getAll(HttpHeaderNames.SET_COOKIE));
        assertFalse(v.contains("connection"), "hidden by the predicate");
        assertFalse(v.contains(":status"), "pseudo-headers are not HTTP/1 headers");
        assertNull(v.get("x-missing"));
        assertEquals(4, v.size());
    }

    @Test
    void writesGoToTheOverlayAndNeverIntoTheBlock() {
        Http2Headers block = response();
        HttpHeaders v = view(block);
        v.set(HttpHeaderNames.CONTENT_LENGTH, 24);
        v.set("X-Upstream", "replaced");
        v.remove("set-cookie");
        v.add("connection", "close");
        assertEquals("24", v.get("content-length"));
        assertEquals(List.of("replaced"), v.getAll("x-upstream"));
        assertFalse(v.contains("set-cookie"));
        assertEquals("close", v.get("connection"), "the codec's own connection header is written");
        // the stream's headers, which the access log reads, are as the filters left them
        assertEquals("yes", block.get("x-upstream").toString());
        assertEquals(2, block.getAll("set-cookie").size());
        assertFalse(block.contains("content-length"));
        assertTrue(v.containsValue(HttpHeaderNames.CONNECTION, "close", true));
    }

    @Test
    void nettysEncoderWritesTheBlockThenWhatTheCodecSet() {
        HttpHeaders v = view(response());
        v.set(HttpHeaderNames.CONTENT_LENGTH, "0");
        EmbeddedChannel ch = new EmbeddedChannel(new HttpResponseEncoder());
        ch.writeOutbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, v),
                LastHttpContent.EMPTY_LAST_CONTENT);
        StringBuilder wire = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            wire.append(b.toString(StandardCharsets.US_ASCII));
            b.release();
        }
        assertEquals("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nset-cookie: a=1\r\nset-cookie: b=2\r\n"
                + "x-upstream: yes\r\ncontent-length: 0\r\n\r\n", wire.toString());
        assertFalse(ch.finish());
    }

    @Test
    void aNoContentResponseLosesItsFramingHeadersInTheEncoderNotInTheBlock() {
        Http2Headers block = new DefaultHttp2Headers(false);
        block.status("204");
        block.add("content-length", "0");
        block.add("x-a", "1");
        HttpHeaders v = view(block);
        EmbeddedChannel ch = new EmbeddedChannel(new HttpResponseEncoder());
        ch.writeOutbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT, v),
                LastHttpContent.EMPTY_LAST_CONTENT);
        StringBuilder wire = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            wire.append(b.toString(StandardCharsets.US_ASCII));
            b.release();
        }
        assertEquals("HTTP/1.1 204 No Content\r\nx-a: 1\r\n\r\n", wire.toString());
        assertTrue(block.contains("content-length"));
        assertFalse(ch.finish());
    }

    @Test
    void clearHidesEverything() {
        HttpHeaders v = view(response());
        v.clear();
        assertTrue(v.isEmpty());
        v.add("a", "b");
        assertEquals(1, v.size());
        assertEquals(List.of("a"), List.copyOf(v.names()));
    }

    private static String encodeRequest(Http2Headers h, boolean endStream) {
        EmbeddedChannel ch = new EmbeddedChannel(new io.netty.handler.codec.http.HttpRequestEncoder());
        ch.writeOutbound(HeaderConversion.toHttp1Request(h, endStream));
        StringBuilder out = new StringBuilder();
        for (ByteBuf b; (b = ch.readOutbound()) != null; b.release()) {
            out.append(b.toString(StandardCharsets.US_ASCII));
        }
        ch.finishAndReleaseAll();
        return out.toString();
    }

    @Test
    void upstreamRequestsReadTheBlockWithHostFirstAndFramingAfter() {
        Http2Headers h = new DefaultHttp2Headers(false);
        h.method("POST").path("/submit?x=1").scheme("http").authority("backend:8080");
        h.add("user-agent", "curl/8");
        h.add("connection", "keep-alive");
        h.add("transfer-encoding", "chunked");
        h.add("host", "stale");
        h.add("te", "trailers");
        h.add("cookie", "a=1");
        assertEquals("POST /submit?x=1 HTTP/1.1\r\nhost: backend:8080\r\nuser-agent: curl/8\r\nte: trailers\r\n"
                + "cookie: a=1\r\ntransfer-encoding: chunked\r\n\r\n", encodeRequest(h, false));
        assertTrue(h.contains("connection"), "the block itself is left as it was");

        Http2Headers get = new DefaultHttp2Headers(false);
        get.method("GET").path("/").authority("a");
        assertEquals("GET / HTTP/1.1\r\nhost: a\r\n\r\n", encodeRequest(get, true));
        get.method("PUT");
        assertEquals("PUT / HTTP/1.1\r\nhost: a\r\ncontent-length: 0\r\n\r\n", encodeRequest(get, true));
    }

    @Test
    void splitCookiesAndOtherTeValuesAreRewrittenAsBefore() {
        Http2Headers h = new DefaultHttp2Headers(false);
        h.method("GET").path("/").authority("a");
        h.add("cookie", "a=1");
        h.add("cookie", "b=2");
        h.add("te", "gzip");
        assertEquals("GET / HTTP/1.1\r\nhost: a\r\ncookie: a=1; b=2\r\n\r\n", encodeRequest(h, true));
    }
}
