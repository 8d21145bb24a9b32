package io.remora.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.ReferenceCountUtil;
import io.remora.http.upstream.HeaderConversion;
import io.remora.http.upstream.Http1DecodedHeaders;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Heads decoded straight into the internal form ({@link Http1DecodedHeaders}) normalize exactly
 * as heads decoded into Netty's own map and then copied: same entries, same order.
 */
class Http1DecodedHeadersTest {

    private static HttpObject decodeRequest(String head, HttpHeadersFactory factory) {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpRequestDecoder(new HttpDecoderConfig().setHeadersFactory(factory)));
        ch.writeInbound(Unpooled.copiedBuffer(head, StandardCharsets.ISO_8859_1));
        HttpObject first = ch.readInbound();
        for (Object o; (o = ch.readInbound()) != null; ) {
            ReferenceCountUtil.release(o);
        }
        ch.finishAndReleaseAll();
        return first;
    }

    private static List<String> entries(Http2Headers h) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<CharSequence, CharSequence> e : h) {
            out.add(e.getKey() + ": " + e.getValue());
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t\r\nAccept: */*\r\n\r\n",
        "GET http://proxy.example:8080/x HTTP/1.1\r\nHost: other\r\nX-A: 1\r\n\r\n",
        "GET http://proxy.example?q HTTP/1.1\r\nHost: other\r\n\r\n",
        "POST /p HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, X-Drop\r\nX-Drop: 1\r\nX-Keep: 2\r\n"
                + "Keep-Alive: timeout=5\r\nProxy-Connection: x\r\nExpect: 100-continue\r\nTE: gzip\r\nTE: trailers\r\n"
                + "Content-Length: 0\r\n\r\n",
        "GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nHTTP2-Settings: AAA\r\n\r\n",
        "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
        "GET / HTTP/1.1\r\nHOST: h\r\nCookie: a=1\r\nCookie: b=2\r\nX-Custom-Name: V\r\n\r\n",
    })
    void requestsNormalizeAsTheCopyingPathDoes(String head) {
        for (boolean upgrade : new boolean[] {false, true}) {
            HttpRequest copied = (HttpRequest) decodeRequest(head, DefaultHttpHeadersFactory.headersFactory());
            HttpRequest decoded = (HttpRequest) decodeRequest(head, Http1DecodedHeaders.headers(true));
            assertInstanceOf(Http1DecodedHeaders.class, decoded.headers());
            assertEquals(entries(Http1Headers.toHttp2(copied, "http", upgrade)),
                    entries(Http1Headers.toHttp2(decoded, "http", upgrade)), head + " upgrade=" + upgrade);
        }
    }

    @Test
    void theDecodersChecksStillApply() {
        HttpRequest decoded = (HttpRequest) decodeRequest(
                "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", Http1DecodedHeaders.headers(true));
        assertTrue(decoded.decoderResult().isFailure(), "conflicting content-length");
        HttpRequest badName = (HttpRequest) decodeRequest(
                "GET / HTTP/1.1\r\nHost: h\r\nBad\u0001Name: v\r\n\r\n", Http1DecodedHeaders.headers(true));
        assertTrue(badName.decoderResult().isFailure(), "a control character in a name");
        HttpRequest readsIgnoreCase = (HttpRequest) decodeRequest(
                "GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n", Http1DecodedHeaders.headers(true));
        assertEquals("1.2.3.4", readsIgnoreCase.headers().get("x-FORWARDED-for"));
    }

    @Test
    void responsesLoseOnlyTheirHopByHopHeaders() {
        String head = "HTTP/1.1 200 OK\r\nServer: s\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
                + "Transfer-Encoding: chunked\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Type: text/plain\r\n\r\n0\r\n\r\n";
        List<List<String>> results = new ArrayList<>();
        for (HttpHeadersFactory f : List.of(DefaultHttpHeadersFactory.headersFactory(), Http1DecodedHeaders.headers(false))) {
            EmbeddedChannel ch = new EmbeddedChannel(new HttpClientCodec(new HttpDecoderConfig().setHeadersFactory(f), false, false));
            ch.writeOutbound(new io.netty.handler.codec.http.DefaultFullHttpRequest(
                    io.netty.handler.codec.http.HttpVersion.HTTP_1_1, io.netty.handler.codec.http.HttpMethod.GET, "/"));
            for (Object o; (o = ch.readOutbound()) != null; ) {
                ReferenceCountUtil.release(o);
            }
            ch.writeInbound(Unpooled.copiedBuffer(head, StandardCharsets.ISO_8859_1));
            HttpResponse res = ch.readInbound();
            results.add(entries(HeaderConversion.toHttp2Response(res)));
            ch.finishAndReleaseAll();
        }
        assertEquals(List.of(":status: 200", "server: s", "set-cookie: a=1", "set-cookie: b=2", "content-type: text/plain"),
                results.get(1));
        assertEquals(results.get(0), results.get(1));
    }
}
