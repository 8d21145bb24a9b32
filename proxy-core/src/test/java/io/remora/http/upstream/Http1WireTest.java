package io.remora.http.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTP/1.1 bytes written straight from a header block, read back by Netty's own decoder. */
class Http1WireTest {

    private static String text(ByteBuf b) {
        try {
            return b.toString(StandardCharsets.ISO_8859_1);
        } finally {
            b.release();
        }
    }

    private static String request(Http2Headers h, boolean endStream) {
        boolean chunked = !endStream && !h.contains("content-length");
        return text(HeaderConversion.requestHead(ByteBufAllocator.DEFAULT, h, endStream, false, chunked));
    }

    @Test
    void upstreamRequestsWriteHostFirstTheBlockThenFraming() {
        Http2Headers h = new DefaultHttp2Headers(false);
        h.method("POST").path("/submit?x=1").scheme("http").authority("backend:8080");
        h.add("user-agent", "curl/8");
        h.add("connection", "keep-alive");
        h.add("transfer-encoding", "chunked");
        h.add("host", "stale");
        h.add("te", "trailers");
        h.add("cookie", "a=1");
        assertEquals("POST /submit?x=1 HTTP/1.1\r\nhost: backend:8080\r\nuser-agent: curl/8\r\nte: trailers\r\n"
                + "cookie: a=1\r\ntransfer-encoding: chunked\r\n\r\n", request(h, false));
        assertTrue(h.contains("connection"), "the block itself is left as it was");

        Http2Headers get = new DefaultHttp2Headers(false);
        get.method("GET").path("/").authority("a");
        assertEquals("GET / HTTP/1.1\r\nhost: a\r\n\r\n", request(get, true));
        get.method("PUT");
        assertEquals("PUT / HTTP/1.1\r\nhost: a\r\ncontent-length: 0\r\n\r\n", request(get, true));
        get.add("content-length", "5");
        assertEquals("PUT / HTTP/1.1\r\nhost: a\r\ncontent-length: 5\r\n\r\n", request(get, false));
    }

    @Test
    void repeatedCookiesStayRepeatedAndOtherTeValuesDropped() {
        // An HTTP/2 peer's crumbs are joined by the decoder (InlineHeaderJoinTest); a block holding
        // two cookie entries is written as Envoy's HTTP/1 encoder writes its map: line by line.
        Http2Headers h = new DefaultHttp2Headers(false);
        h.method("GET").path("/").authority("a");
        h.add("cookie", "a=1");
        h.add("x-b", "2");
        h.add("cookie", "b=2");
        h.add("te", "gzip");
        assertEquals("GET / HTTP/1.1\r\nhost: a\r\ncookie: a=1\r\nx-b: 2\r\ncookie: b=2\r\n\r\n", request(h, true));
    }

    @Test
    void upgradesKeepTheirUpgradeHeadersAndConnectTargetsTheAuthority() {
        Http2Headers ws = new DefaultHttp2Headers(false);
        ws.method("GET").path("/chat").authority("a");
        ws.add("upgrade", "websocket");
        ws.add("connection", "upgrade");
        ws.add("keep-alive", "5");
        assertEquals("GET /chat HTTP/1.1\r\nhost: a\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n",
                text(HeaderConversion.requestHead(ByteBufAllocator.DEFAULT, ws, false, true, false)));
        Http2Headers connect = new DefaultHttp2Headers(false);
        connect.method("CONNECT").authority("db:5432");
        connect.add("upgrade", "x");
        assertEquals("CONNECT db:5432 HTTP/1.1\r\nhost: db:5432\r\n\r\n",
                text(HeaderConversion.requestHead(ByteBufAllocator.DEFAULT, connect, false, true, false)));
    }

    @Test
    void obsTextValuesKeepTheirBytes() {
        Http2Headers h = new DefaultHttp2Headers(false);
        h.method("GET").path("/").authority("a");
        h.add("x-latin", "caf\u00e9");
        assertEquals("GET / HTTP/1.1\r\nhost: a\r\nx-latin: caf\u00e9\r\n\r\n", request(h, true));
    }

    /** Envoy's CodeUtility::toString phrases, "Unknown" past its table; the code in decimal, any length. */
    @Test
    void statusLinesUseEnvoysReasonPhrases() {
        ByteBuf b = Unpooled.buffer();
        int[] codes = {200, 503, 299, 103, 99, 1000};
        int size = 0;
        for (int c : codes) {
            Http1Wire.statusLine(b, c);
            size += Http1Wire.statusLineSize(c);
        }
        assertEquals(size, b.readableBytes());
        assertEquals("HTTP/1.1 200 OK\r\nHTTP/1.1 503 Service Unavailable\r\nHTTP/1.1 299 Unknown\r\n"
                + "HTTP/1.1 103 Unknown\r\nHTTP/1.1 99 Unknown\r\nHTTP/1.1 1000 Unknown\r\n", text(b));
    }

    /** Chunks of every size class (one hex digit to five, copied or framed around the data) decode back. */
    @Test
    void chunkedBodiesAndTrailersDecodeBackWithNettysDecoder() {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpRequestDecoder());
        Http2Headers h = new DefaultHttp2Headers(false);
        h.method("POST").path("/").authority("a");
        ch.writeInbound(HeaderConversion.requestHead(ch.alloc(), h, false, false, true));
        int[] sizes = {1, 15, 16, 255, 256, 1024, 1025, 4095, 4096, 70_000, 0};
        long sent = 0;
        for (int n : sizes) {
            ByteBuf data = Unpooled.buffer(n);
            for (int i = 0; i < n; i++) {
                data.writeByte('a' + i % 26);
            }
            sent += n;
            ByteBuf chunk = Http1Wire.chunk(ch.alloc(), data, false);
            if (n == 0) {
                assertNull(chunk, "an empty chunk would end the body");
            } else {
                ch.writeInbound(chunk);
            }
        }
        Http2Headers trailers = new DefaultHttp2Headers(false);
        trailers.add("grpc-status", "0");
        ch.writeInbound(Http1Wire.lastChunk(ch.alloc(), trailers, null));
        long received = 0;
        boolean sawRequest = false;
        LastHttpContent last = null;
        for (HttpObject o; (o = ch.readInbound()) != null; ) {
            assertTrue(o.decoderResult().isSuccess(), String.valueOf(o.decoderResult()));
            if (o instanceof HttpRequest) {
                sawRequest = true;
            }
            if (o instanceof HttpContent c) {
                received += c.content().readableBytes();
                if (c instanceof LastHttpContent l) {
                    last = l.retain();
                }
                c.release();
            }
        }
        assertTrue(sawRequest);
        assertEquals(sent, received);
        assertEquals("0", last.trailingHeaders().get("grpc-status"));
        last.release();
        assertEquals("0\r\n\r\n", text(Http1Wire.lastChunk()));
        ch.finishAndReleaseAll();
    }

    @Test
    void trailersTakeTheConnectionsHeaderKeyFormat() {
        Http2Headers trailers = new DefaultHttp2Headers(false);
        trailers.add("grpc-status", "0");
        assertEquals("0\r\nGrpc-Status: 0\r\n\r\n",
                text(Http1Wire.lastChunk(ByteBufAllocator.DEFAULT, trailers, HeaderNameCase.PROPER)));
    }
}
