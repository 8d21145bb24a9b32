package io.remora.http.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP/1.1 parser on its own: the same events whatever the input's splits (every split point,
 * and one byte at a time), every buffer released once, and Envoy's answers to malformed input.
 */
class Http1ParserTest {

    /** Writes the parser's events as lines; body bytes of consecutive slices are joined. */
    private static class Transcript implements Http1Parser.Listener {
        final List<String> lines = new ArrayList<>();
        private final StringBuilder body = new StringBuilder();
        /** Responses: the request was HEAD (decided per head, as the upstream connection does). */
        boolean headRequest;
        boolean pauseAtEnd;

        @Override
        public void onHead(Http1Parser p) {
            flushBody();
            Http1Head h = p.head();
            if (!h.request && headRequest && h.status >= 200) {
                p.noBody();
            }
            StringBuilder s = new StringBuilder("HEAD ");
            s.append(h.request ? h.method + " " + h.target : h.statusText).append(" 1.").append(h.minorVersion);
            for (Map.Entry<CharSequence, CharSequence> e : h.headers) {
                s.append(" [").append(e.getKey()).append(": ").append(e.getValue()).append(']');
            }
            s.append(h.bodyless() ? " bodyless" : h.chunked ? " chunked" : " length=" + h.contentLength);
            s.append(h.keepAlive() ? " keep-alive" : " close");
            lines.add(s.toString());
            if (h.bodyless() && pauseAtEnd) {
                p.pause();
            }
        }

        @Override
        public void onBody(ByteBuf data, boolean last) {
            body.append(data.toString(StandardCharsets.ISO_8859_1));
            data.release();
            if (last) {
                flushBody();
                lines.add("END");
            }
        }

        @Override
        public void onEnd(io.netty.handler.codec.http2.Http2Headers trailers) {
            flushBody();
            StringBuilder s = new StringBuilder("END");
            if (trailers != null) {
                for (Map.Entry<CharSequence, CharSequence> e : trailers) {
                    s.append(" [").append(e.getKey()).append(": ").append(e.getValue()).append(']');
                }
            }
            lines.add(s.toString());
        }

        @Override
        public void onError(int status, String details) {
            flushBody();
            lines.add("ERROR " + status + " " + details);
        }

        void flushBody() {
            if (body.length() > 0) {
                lines.add("BODY " + body);
                body.setLength(0);
            }
        }
    }

    private static final int LIMIT = 1024;

    /** Feeds {@code input} in the pieces {@code cuts} makes; checks every piece was released. */
    private static List<String> parse(boolean request, String input, int[] cuts, boolean endOfInput) {
        Transcript t = new Transcript();
        Http1Parser p = new Http1Parser(request, LIMIT, LIMIT, t);
        List<ByteBuf> fed = new ArrayList<>();
        int from = 0;
        for (int i = 0; i <= cuts.length; i++) {
            int to = i < cuts.length ? cuts[i] : input.length();
            ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(Math.max(1, to - from));
            b.writeBytes(input.substring(from, to).getBytes(StandardCharsets.ISO_8859_1));
            fed.add(b);
            p.feed(PooledByteBufAllocator.DEFAULT, b);
            from = to;
        }
        if (endOfInput) {
            p.endOfInput();
        }
        t.flushBody();
        p.release();
        for (ByteBuf b : fed) {
            assertEquals(0, b.refCnt(), "a buffer fed to the parser was not released");
        }
        return t.lines;
    }

    /** Every split point, and one byte at a time, give the same events as one read. */
    private static List<String> everySplit(boolean request, String input, boolean endOfInput) {
        List<String> whole = parse(request, input, new int[0], endOfInput);
        for (int cut = 1; cut < input.length(); cut++) {
            assertEquals(whole, parse(request, input, new int[] {cut}, endOfInput), "split at " + cut);
        }
        int[] bytes = new int[input.length() - 1];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = i + 1;
        }
        assertEquals(whole, parse(request, input, bytes, endOfInput), "one byte at a time");
        return whole;
    }

    @Test
    void pipelinedRequestsWithChunksExtensionsAndTrailersParseTheSameAcrossEverySplit() {
        String input = "GET /a?b HTTP/1.1\r\nHost: h\r\nX-A:  v1 \r\nCookie: a\r\nCOOKIE: b\r\n\r\n"
                + "POST http://x.example/p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n"
                + "5;ext=1;q=\"v\"\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-T: t\r\nX-U: u\r\n\r\n"
                + "PUT /q HTTP/1.0\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nabc"
                + "DELETE /d HTTP/1.1\nHost: h\nConnection: close\n\n"
                + "OPTIONS * HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
        assertEquals(List.of(
                "HEAD GET /a?b 1.1 [host: h] [x-a: v1] [cookie: a] [cookie: b] bodyless keep-alive",
                "HEAD POST http://x.example/p 1.1 [host: h] [transfer-encoding: Chunked] chunked keep-alive",
                "BODY helloabcdefghijklmnopqrstuvwxyz",
                "END [x-t: t] [x-u: u]",
                "HEAD PUT /q 1.0 [content-length: 3] [connection: keep-alive] length=3 keep-alive",
                "BODY abc",
                "END",
                "HEAD DELETE /d 1.1 [host: h] [connection: close] bodyless close",
                "HEAD OPTIONS * 1.1 [host: h] [transfer-encoding: chunked] chunked keep-alive",
                "END"), everySplit(true, input, false));
    }

    /**
     * obs-fold, as BalsaParser since Envoy 1.29 (line folding re-enabled, CR and LF removed): the
     * line continues the field before it, requests, responses and trailers alike; a fold with no
     * field before it is an error.
     */
    @Test
    void foldedLinesContinueTheFieldBeforeThem() {
        assertEquals(List.of(
                "HEAD GET / 1.1 [x-a: a b\tc] [host: h] [x-b: d] bodyless keep-alive"),
                everySplit(true, "GET / HTTP/1.1\r\nX-A: a\r\n b\r\n\tc \r\nHost: h\r\nX-B:\r\n  d\r\n\r\n", false));
        assertEquals(List.of(
                "HEAD 200 1.1 [content-length: 2] [x-a: a b] length=2 keep-alive", "BODY hi", "END"),
                everySplit(false, "HTTP/1.1 200 OK\r\nContent-Length:\r\n 2\r\nX-A: a\r\n b\r\n\r\nhi", false));
        assertEquals(List.of("ERROR 400 http1.codec_error"),
                everySplit(true, "GET / HTTP/1.1\r\n X-A: a\r\nHost: h\r\n\r\n", false));
    }

    @Test
    void responsesOfEveryFramingParseTheSameAcrossEverySplit() {
        String input = "HTTP/1.1 100 Continue\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"
                + "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"
                + "HTTP/1.1 304\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
                + "HTTP/1.0 200 OK\r\nServer: s\r\n\r\nuntil the end";
        assertEquals(List.of(
                "HEAD 100 1.1 bodyless keep-alive",
                "HEAD 200 1.1 [content-length: 2] length=2 keep-alive",
                "BODY hi",
                "END",
                "HEAD 204 1.1 bodyless keep-alive",
                "HEAD 304 1.1 bodyless keep-alive",
                "HEAD 200 1.1 [transfer-encoding: Chunked] chunked keep-alive",
                "BODY abc",
                "END",
                "HEAD 200 1.0 [server: s] length=-1 close",
                "BODY until the end",
                "END"), everySplit(false, input, true));
    }

    private static void feed(Http1Parser p, String s) {
        p.feed(PooledByteBufAllocator.DEFAULT, Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1));
    }

    /**
     * An idle keep-alive connection's parser keeps no head: it takes one from the worker when a
     * head is complete and gives it back at the message's end, so messages after the first
     * allocate none and a head in progress (a body still coming) keeps its own.
     */
    @Test
    void aParserHoldsAHeadOnlyFromAHeadToItsMessagesEnd() {
        int before = Http1Head.freeOnThisWorker(true); // what earlier tests left on this thread's list
        int free = Math.max(1, before);
        Transcript t = new Transcript();
        Http1Parser p = new Http1Parser(true, LIMIT, LIMIT, t);
        feed(p, "GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
        assertEquals(null, p.head(), "an idle parser kept its head");
        assertEquals(free, Http1Head.freeOnThisWorker(true));
        feed(p, "GET /b HTTP/1.1\r\nHo");
        assertEquals(null, p.head(), "a head still arriving needs none yet");
        feed(p, "st: h\r\n\r\nPOST /c HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nab");
        assertTrue(p.head() != null && p.head().contentLength == 4, "a body in progress without its head");
        assertEquals(free - 1, Http1Head.freeOnThisWorker(true));
        Http1Parser other = new Http1Parser(true, LIMIT, LIMIT, new Transcript());
        feed(other, "GET /d HTTP/1.1\r\nHost: h\r\n\r\n"); // another connection's message meanwhile
        feed(p, "cd");
        assertEquals(null, p.head());
        // Two messages were in progress at once: two heads, both back.
        assertEquals(Math.max(2, before), Http1Head.freeOnThisWorker(true), "a head lost or given back twice");
        assertEquals(List.of("HEAD GET /a 1.1 [host: h] bodyless keep-alive", "HEAD GET /b 1.1 [host: h] bodyless keep-alive",
                "HEAD POST /c 1.1 [host: h] [content-length: 4] length=4 keep-alive", "BODY abcd", "END"), t.lines);
    }

    @Test
    void repeatingValuesAreSharedOnceSeenTwiceAndEveryValueIsAsSent() {
        // Thousands of distinct values through the worker's 256 slots (collisions included), a
        // repeated one among them: each head reads back exactly as sent, and the repeated value is
        // one shared object from its second sighting on, unless a colliding value took its slot.
        List<CharSequence> hosts = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        Http1Parser p = new Http1Parser(true, LIMIT, LIMIT, new Transcript() {
            @Override
            public void onHead(Http1Parser parser) {
                hosts.add(parser.head().headers.get("host"));
                seen.add(parser.head().headers.get("host") + " " + parser.head().headers.get("content-type")
                        + " " + parser.head().headers.get("x-other"));
            }
        });
        for (int i = 0; i < 3000; i++) {
            String host = i % 2 == 0 ? "same.example" : "h" + i + ".example";
            String type = "text/t" + (i % 700);
            String msg = "GET / HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: " + type + "\r\nX-Other: " + host
                    + "\r\n\r\n";
            expected.add(host + " " + type + " " + host);
            p.feed(PooledByteBufAllocator.DEFAULT, Unpooled.copiedBuffer(msg, StandardCharsets.ISO_8859_1));
        }
        p.release();
        assertEquals(expected, seen);
        int shared = 0;
        for (int i = 4; i < hosts.size(); i += 2) {
            if (hosts.get(i) == hosts.get(i - 2)) {
                shared++;
            }
        }
        assertTrue(shared > 0, "a host seen on every other request is never shared");
        assertTrue(hosts.get(2) != hosts.get(0), "a value is kept as the message's own the first time");
    }

    @Test
    void aResponseToHeadHasNoBodyWhateverItsLength() {
        Transcript t = new Transcript();
        t.headRequest = true;
        Http1Parser p = new Http1Parser(false, LIMIT, LIMIT, t);
        p.feed(PooledByteBufAllocator.DEFAULT, Unpooled.copiedBuffer(
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", StandardCharsets.ISO_8859_1));
        p.release();
        assertEquals(List.of("HEAD 200 1.1 [content-length: 5] bodyless keep-alive",
                "HEAD 200 1.1 [content-length: 0] bodyless keep-alive"), t.lines);
    }

    @Test
    void pausedParserKeepsTheNextRequestUntilResumed() {
        Transcript t = new Transcript();
        t.pauseAtEnd = true;
        Http1Parser p = new Http1Parser(true, LIMIT, LIMIT, t);
        p.feed(PooledByteBufAllocator.DEFAULT, Unpooled.copiedBuffer(
                "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n", StandardCharsets.ISO_8859_1));
        assertEquals(1, t.lines.size());
        assertTrue(p.buffered() > 0);
        p.resume();
        assertEquals(2, t.lines.size());
        assertEquals(0, p.buffered());
        p.release();
    }

    @Test
    void tunnelBytesAfterAStoppedHeadAreHandedOverUnparsed() {
        Transcript t = new Transcript() {
            @Override
            public void onHead(Http1Parser p) {
                super.onHead(p);
                p.stop();
            }
        };
        Http1Parser p = new Http1Parser(true, LIMIT, LIMIT, t);
        p.feed(PooledByteBufAllocator.DEFAULT, Unpooled.copiedBuffer(
                "CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\nGET /not-http HTTP/1.1\r\n\r\n", StandardCharsets.ISO_8859_1));
        ByteBuf rest = p.takeRemaining();
        assertEquals("GET /not-http HTTP/1.1\r\n\r\n", rest.toString(StandardCharsets.ISO_8859_1));
        rest.release();
        p.release();
        assertEquals(1, t.lines.size());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "GET / HTTP/1.1\\r\\nHost: h\\r\\n folded\\r\\n\\r\\n|ERROR 400 http.invalid_authority",
        "GET / HTTP/1.1\\r\\nHost : h\\r\\n\\r\\n|ERROR 400 http1.codec_error",
        "GET / HTTP/1.1\\r\\n: h\\r\\n\\r\\n|ERROR 400 http1.codec_error",
        "GET / HTTP/1.1\\r\\nNo-Colon\\r\\n\\r\\n|ERROR 400 http1.codec_error",
        "GET / HTTP/1.1\\r\\nX-A: a\\u0001b\\r\\n\\r\\n|ERROR 400 http1.invalid_characters",
        "GET / HTTP/1.1\\r\\nX-A: a\\rb\\r\\n\\r\\n|ERROR 400 http1.invalid_characters",
        "GET / HTTP/2.0\\r\\nHost: h\\r\\n\\r\\n|HEAD GET / 1.0 [host: h] bodyless close",
        "GET / HTTP/1.1 \\r\\nHost: h\\r\\n\\r\\n|HEAD GET / 1.1 [host: h] bodyless keep-alive",
        "GET  / HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n|HEAD GET / 1.1 [host: h] bodyless keep-alive",
        "G(T / HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n|ERROR 400 http1.codec_error",
        "POST / HTTP/1.1\\r\\nContent-Length: 5\\r\\nContent-Length: 5\\r\\n\\r\\nhello|ERROR 400 http1.codec_error",
        "POST / HTTP/1.1\\r\\nContent-Length: 5, 5\\r\\n\\r\\nhello|ERROR 400 http1.codec_error",
        "POST / HTTP/1.1\\r\\nContent-Length: -1\\r\\n\\r\\n|ERROR 400 http1.codec_error",
        "POST / HTTP/1.1\\r\\nContent-Length: 5\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n|ERROR 400 http1.content_length_and_chunked_not_allowed",
        "POST / HTTP/1.1\\r\\nTransfer-Encoding: identity\\r\\nContent-Length: 1\\r\\n\\r\\nx|ERROR 400 http1.content_length_and_chunked_not_allowed",
        "POST / HTTP/1.1\\r\\nTransfer-Encoding: gzip, chunked\\r\\n\\r\\n|ERROR 501 http1.invalid_transfer_encoding",
        "POST / HTTP/1.1\\r\\nTransfer-Encoding: chunked\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n|ERROR 501 http1.invalid_transfer_encoding",
        "POST / HTTP/1.1\\r\\nTransfer-Encoding: identity\\r\\n\\r\\n|ERROR 501 http1.invalid_transfer_encoding",
        "GET / HTTP/1.1\\r\\nHost: h^st\\r\\n\\r\\n|ERROR 400 http.invalid_authority",
        "GET / HTTP/1.1\\r\\nHost: a b\\r\\n\\r\\n|ERROR 400 http.invalid_authority",
        "GET / HTTP/1.1\\r\\nHost: h\\u0001\\r\\n\\r\\n|ERROR 400 http1.invalid_characters",
        "GET / HTTP/1.2\\r\\nHost: h\\r\\n\\r\\n|HEAD GET / 1.0 [host: h] bodyless close",
        "GET / HTTP/1.10\\r\\nHost: h\\r\\n\\r\\n|ERROR 400 http1.codec_error",
        "CONNECT h:443 HTTP/1.1\\r\\nContent-Length: 1\\r\\n\\r\\nx|ERROR 400 http1.body_disallowed",
        "CONNECT h:443 HTTP/1.1\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n|ERROR 501 http1.invalid_transfer_encoding",
    })
    void malformedRequestHeadsGetEnvoysAnswer(String raw, String expected) {
        String input = raw.replace("\\r", "\r").replace("\\n", "\n").replace("\\u0001", "\u0001");
        assertEquals(List.of(expected), everySplit(true, input, false));
    }

    /**
     * A content-length as BalsaFrame's ProcessContentLengthLine reads it: digits only, whitespace
     * around them trimmed, any number of leading zeros (was: refused past 18 characters); a sign,
     * a list (even of equal values), an empty value or a length past ours (2^63-1) is a codec error.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "0|HEAD POST / 1.1 [content-length: 0] bodyless keep-alive",
        "00|HEAD POST / 1.1 [content-length: 00] bodyless keep-alive",
        "0000000000000000000000002|HEAD POST / 1.1 [content-length: 0000000000000000000000002] length=2 keep-alive",
        "'  2  '|HEAD POST / 1.1 [content-length: 2] length=2 keep-alive",
        "9223372036854775807|HEAD POST / 1.1 [content-length: 9223372036854775807] length=9223372036854775807 keep-alive",
        "9223372036854775808|ERROR 400 http1.codec_error",
        "+2|ERROR 400 http1.codec_error",
        "'2,2'|ERROR 400 http1.codec_error",
        "''|ERROR 400 http1.codec_error",
    })
    void aRequestsContentLengthIsReadAsBalsaReadsIt(String value, String expected) {
        List<String> lines = everySplit(true, "POST / HTTP/1.1\r\nContent-Length:" + value + "\r\n\r\n", false);
        assertEquals(expected, lines.get(0));
    }

    /**
     * Envoy's client codec checks responses as requests: a coding other than chunked alone is one
     * it cannot frame, a 1xx or 204 may carry no framing (a length of "0" is dropped), and its
     * parser refuses a second content-length even when equal (disallow_multiple_content_length).
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "HTTP/1.1 200 OK\\r\\nTransfer-Encoding: gzip\\r\\n\\r\\nabc|ERROR 501 http1.invalid_transfer_encoding",
        "HTTP/1.1 200 OK\\r\\nTransfer-Encoding: gzip, chunked\\r\\n\\r\\n|ERROR 501 http1.invalid_transfer_encoding",
        "HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n|ERROR 501 http1.invalid_transfer_encoding",
        "HTTP/1.1 204 No Content\\r\\nContent-Length: 7\\r\\n\\r\\n|ERROR 400 http1.content_length_not_allowed",
        "HTTP/1.1 204 No Content\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n|ERROR 400 http1.transfer_encoding_not_allowed",
        "HTTP/1.1 103 Early Hints\\r\\nContent-Length: 1\\r\\n\\r\\n|ERROR 400 http1.content_length_not_allowed",
        "HTTP/1.1 204 No Content\\r\\nContent-Length: 00\\r\\n\\r\\n|ERROR 400 http1.content_length_not_allowed",
        "HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\nContent-Length: 2\\r\\n\\r\\nok|ERROR 400 http1.codec_error",
    })
    void responseFramingEnvoyRefusesIsAnError(String raw, String expected) {
        String input = raw.replace("\\r", "\r").replace("\\n", "\n");
        assertEquals(List.of(expected), everySplit(false, input, true));
    }

    /**
     * A status line as Envoy's BalsaFrame reads it: parts between runs of whitespace, any
     * HTTP/d.d version (HTTP/1.0 unless it is HTTP/1.1, so the connection is not kept without
     * keep-alive), the code's number with its leading zeros; no code part, a code that is no
     * number, or a control character is a codec error; any number is a code, 099 and 1000 too
     * (Balsa checks no range), save one past an int (Balsa's limit is a size_t).
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "HTTP/1.1  200  OK\\r\\n\\r\\n|HEAD 200 1.1 length=-1 keep-alive",
        "HTTP/1.1\\t200\\tOK\\r\\n\\r\\n|HEAD 200 1.1 length=-1 keep-alive",
        "HTTP/1.1 200\\r\\n\\r\\n|HEAD 200 1.1 length=-1 keep-alive",
        "HTTP/1.1 0204 No Content\\r\\n\\r\\n|HEAD 204 1.1 bodyless keep-alive",
        "HTTP/2.0 204 No Content\\r\\n\\r\\n|HEAD 204 1.0 bodyless close",
        "HTTP/1.2 204 No Content\\r\\nConnection: keep-alive\\r\\n\\r\\n|HEAD 204 1.0 [connection: keep-alive] bodyless keep-alive",
        "HTTP/1.1 999 Odd\\r\\n\\r\\n|HEAD 999 1.1 length=-1 keep-alive",
        "HTTP/1.1 099 OK\\r\\n\\r\\n|HEAD 99 1.1 length=-1 keep-alive",
        "HTTP/1.1 1000 OK\\r\\n\\r\\n|HEAD 1000 1.1 length=-1 keep-alive",
        "HTTP/1.1 2147483648 OK\\r\\n\\r\\n|ERROR 400 http1.codec_error",
        "HTTP/1.1 200OK\\r\\n\\r\\n|ERROR 400 http1.codec_error",
        "HTTP/1.1\\r\\n\\r\\n|ERROR 400 http1.codec_error",
        "HTTP/1.10 200 OK\\r\\n\\r\\n|ERROR 400 http1.codec_error",
        "HTTP/1.1 200 O\\u0001K\\r\\n\\r\\n|ERROR 400 http1.codec_error",
    })
    void statusLinesAreReadAsBalsaReadsThem(String raw, String expected) {
        String input = raw.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t").replace("\\u0001", "\u0001");
        assertEquals(expected, everySplit(false, input, true).get(0));
    }

    /**
     * Whether the connection outlives the message, as Envoy's HeaderUtility::shouldCloseConnection
     * decides both ways: HTTP/1.0 without a keep-alive token, a close token, or (not a standard
     * header, but honoured) a Proxy-Connection close token.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "HTTP/1.1 204 No Content\\r\\nProxy-Connection: Close\\r\\n\\r\\n|close",
        "HTTP/1.1 204 No Content\\r\\nProxy-Connection: foo, close \\r\\n\\r\\n|close",
        "HTTP/1.1 204 No Content\\r\\nProxy-Connection: keep-alive\\r\\n\\r\\n|keep-alive",
        "HTTP/1.1 204 No Content\\r\\nConnection: foo, close\\r\\n\\r\\n|close",
        "HTTP/1.0 204 No Content\\r\\nConnection: foo, keep-alive\\r\\n\\r\\n|keep-alive",
        "GET / HTTP/1.1\\r\\nHost: h\\r\\nProxy-Connection: close\\r\\n\\r\\n|close",
    })
    void theConnectionIsKeptAsEnvoyDecides(String raw, String expected) {
        String input = raw.replace("\\r", "\r").replace("\\n", "\n");
        String head = everySplit(input.startsWith("GET"), input, true).get(0);
        assertEquals(expected, head.substring(head.lastIndexOf(' ') + 1), head);
    }

    @Test
    void brokenChunksEndTheBodyWithAnError() {
        String head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
        String headLine = "HEAD POST / 1.1 [host: h] [transfer-encoding: chunked] chunked keep-alive";
        assertEquals(List.of(headLine, "ERROR 400 http1.codec_error"), everySplit(true, head + "zz\r\n", false));
        assertEquals(List.of(headLine, "ERROR 400 http1.codec_error"), everySplit(true, head + "\r\n", false));
        assertEquals(List.of(headLine, "BODY abc", "ERROR 400 http1.codec_error"),
                everySplit(true, head + "3\r\nabcX\r\n", false));
        assertEquals(List.of(headLine, "ERROR 400 http1.codec_error"),
                everySplit(true, head + "1" + "0".repeat(16) + "\r\n", false));
        // A chunk-size line ends with CR LF, the last one too (quiche's disallow_lone_lf_in_chunk_extension).
        assertEquals(List.of(headLine, "ERROR 400 http1.codec_error"), everySplit(true, head + "3\nabc\r\n0\r\n\r\n", false));
        assertEquals(List.of(headLine, "ERROR 400 http1.codec_error"), everySplit(true, head + "3;x\nabc\r\n0\r\n\r\n", false));
        assertEquals(List.of(headLine, "BODY abc", "ERROR 400 http1.codec_error"),
                everySplit(true, head + "3\r\nabc\r\n0\n\r\n", false));
    }

    /**
     * Balsa keeps no chunk extension and skips one as it arrives, whatever its length: a line
     * longer than the parser holds whole is read in passing, with the same checks.
     */
    @Test
    void aChunkExtensionOfAnyLengthIsSkipped() {
        String head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
        String headLine = "HEAD POST / 1.1 [host: h] [transfer-encoding: chunked] chunked keep-alive";
        String ext = ";x=" + "y".repeat(5000);
        assertEquals(List.of(headLine, "BODY abc", "END"),
                everySplit(true, head + "3" + ext + "\r\nabc\r\n0" + ext + "\r\n\r\n", false));
        assertEquals(List.of(headLine, "ERROR 400 http1.codec_error"), everySplit(true, head + "3" + ext + "\rz\r\nabc", false));
        assertEquals(List.of(headLine, "ERROR 400 http1.codec_error"), everySplit(true, head + "3" + ext + "\nabc", false));
        assertEquals(List.of(headLine, "ERROR 400 http1.codec_error"), everySplit(true, head + "3" + ext + "\r\r\nabc", false));
        assertEquals(List.of(headLine, "ERROR 400 http1.codec_error"), everySplit(true, head + "3x" + ext + "\r\nabc", false));
    }

    @Test
    void headsPastTheLimitAre431() {
        String big = "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + "y".repeat(LIMIT) + "\r\n\r\n";
        assertEquals(List.of("ERROR 431 http1.headers_too_large"), parse(true, big, new int[0], false));
        assertEquals(List.of("ERROR 431 http1.headers_too_large"), parse(true, big, new int[] {20, 600}, false));
        String longLine = "GET /" + "a".repeat(LIMIT) + " HTTP/1.1\r\nHost: h\r\n\r\n";
        assertEquals(List.of("ERROR 431 http1.headers_too_large"), parse(true, longLine, new int[0], false));
        // Just under: a line and a header section each up to the limit.
        String fits = "GET /" + "a".repeat(LIMIT - 20) + " HTTP/1.1\r\nX-Big: " + "y".repeat(LIMIT - 20) + "\r\n\r\n";
        assertEquals(1, parse(true, fits, new int[] {7}, false).size());
    }
}
