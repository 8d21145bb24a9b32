package io.remora.http.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.remora.config.Http1Options;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/** What http_protocol_options change in the parser: methods, chunked-with-length, the names' original case. */
class Http1ParserOptionsTest {

    /** Keeps the first head (its block and original case) or the error. */
    private static final class Outcome implements Http1Parser.Listener {
        io.remora.http.HeaderBlock headers;
        Http1Head head;
        String error;
        final StringBuilder body = new StringBuilder();

        @Override
        public void onHead(Http1Parser p) {
            head = p.head();
            headers = head.headers;
        }

        @Override
        public void onBody(ByteBuf data, boolean last) {
            body.append(data.toString(StandardCharsets.ISO_8859_1));
            data.release();
        }

        @Override
        public void onEnd(io.netty.handler.codec.http2.Http2Headers trailers) {
        }

        @Override
        public void onError(int status, String details) {
            error = status + " " + details;
        }
    }

    private static Outcome parse(boolean request, Http1Options options, String input) {
        Outcome o = new Outcome();
        Http1Parser p = new Http1Parser(request, 4096, 4096, o);
        p.options(options);
        p.feed(UnpooledByteBufAllocator.DEFAULT, Unpooled.copiedBuffer(input, StandardCharsets.ISO_8859_1));
        p.release();
        return o;
    }

    @Test
    void methodsOutsideEnvoysListNeedAllowCustomMethods() {
        String custom = "BREW /pot HTTP/1.1\r\nHost: h\r\n\r\n";
        assertEquals("400 http1.codec_error", parse(true, Http1Options.DEFAULT, custom).error);
        assertNull(parse(true, Http1Options.builder().allowCustomMethods(true).build(), custom).error);
        // Envoy's list is case-sensitive, and has the WebDAV methods.
        assertNull(parse(true, Http1Options.DEFAULT, "PROPFIND / HTTP/1.1\r\nHost: h\r\n\r\n").error);
        assertEquals("400 http1.codec_error", parse(true, Http1Options.DEFAULT, "get / HTTP/1.1\r\nHost: h\r\n\r\n").error);
    }

    @Test
    void chunkedWithLengthIsReadChunkedOnlyWithAllowChunkedLength() {
        String request = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
        assertEquals("400 http1.content_length_and_chunked_not_allowed", parse(true, Http1Options.DEFAULT, request).error);
        Outcome allowed = parse(true, Http1Options.builder().allowChunkedLength(true).build(), request);
        assertNull(allowed.error);
        assertNull(allowed.headers.get("content-length"), "the length must not travel on");
        assertEquals("hello", allowed.body.toString());
        String response = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
        assertEquals("400 http1.content_length_and_chunked_not_allowed", parse(false, Http1Options.DEFAULT, response).error);
        assertEquals("hello", parse(false, Http1Options.builder().allowChunkedLength(true).build(), response).body.toString());
        // Not chunked coding: refused even with the option.
        assertEquals("400 http1.content_length_and_chunked_not_allowed", parse(true,
                Http1Options.builder().allowChunkedLength(true).build(),
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nTransfer-Encoding: identity\r\n\r\nx").error);
    }

    @Test
    void preserveCaseKeepsTheFirstSpellingOfEachName() {
        Http1Options preserve = Http1Options.builder().headerKeyFormat(Http1Options.HeaderKeyFormat.PRESERVE_CASE).build();
        Outcome o = parse(true, preserve, "GET / HTTP/1.1\r\nHOST: h\r\nX-My-Header: 1\r\nx-my-header: 2\r\n\r\n");
        assertEquals("2", o.headers.getAll("x-my-header").get(1).toString()); // names are still held lower case
        assertEquals("HOST x-request-id X-My-Header", written(o.headers.nameCase(), "host", "x-request-id", "x-my-header"));
        assertNull(parse(true, Http1Options.DEFAULT, "GET / HTTP/1.1\r\nHost: h\r\n\r\n").headers.nameCase(),
                "nothing is kept without the option");
    }

    @Test
    void preserveCaseCanProperCaseTheNamesThePeerDidNotSendAndForwardTheReasonPhrase() {
        Http1Options o = Http1Options.builder().headerKeyFormat(Http1Options.HeaderKeyFormat.PRESERVE_CASE)
                .properCaseEnvoyHeaders(true).forwardReasonPhrase(true).build();
        Outcome r = parse(false, o, "HTTP/1.1 200 Very Fine\r\nx-lower: 1\r\nContent-Length: 0\r\n\r\n");
        OriginalHeaderCase c = (OriginalHeaderCase) r.headers.nameCase();
        assertEquals("x-lower Content-Length X-Envoy-Upstream-Service-Time",
                written(c, "x-lower", "content-length", "x-envoy-upstream-service-time"));
        assertEquals("Very Fine", c.reasonPhrase().toString());
        assertEquals("Very Fine", ((OriginalHeaderCase) parse(false, o, "HTTP/1.1  0200\tVery Fine \r\n\r\n").headers
                .nameCase()).reasonPhrase().toString(), "the third part of the line, as Balsa splits it");
        Http1Options noReason = Http1Options.builder().headerKeyFormat(Http1Options.HeaderKeyFormat.PRESERVE_CASE).build();
        assertNull(((OriginalHeaderCase) parse(false, noReason, "HTTP/1.1 200 Very Fine\r\n\r\n").headers.nameCase())
                .reasonPhrase());
    }

    @Test
    void properCaseUpperCasesEachWordsFirstLetterAsEnvoy() {
        assertEquals("Content-Type X-Forwarded-For A1b Www-Authenticate 3com-Thing X_Y",
                written(HeaderNameCase.PROPER, "content-type", "x-forwarded-for", "a1b", "www-authenticate",
                        "3com-thing", "x_y"));
        assertNotNull(HeaderNameCase.of(Http1Options.builder().headerKeyFormat(Http1Options.HeaderKeyFormat.PROPER_CASE).build()));
        assertNull(HeaderNameCase.of(Http1Options.DEFAULT));
    }

    private static String written(HeaderNameCase c, String... names) {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            ByteBuf b = Unpooled.buffer();
            c.write(b, n);
            out.add(b.toString(StandardCharsets.US_ASCII));
        }
        return String.join(" ", out);
    }
}
