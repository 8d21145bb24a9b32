package io.remora.http;

import io.remora.http.testing.LeakCheck;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.ResponseFlag;
import io.remora.accesslog.StreamInfo;
import io.remora.config.HttpConnectionManagerConfig.CodecType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Request heads Netty's decoder lets through but Envoy refuses: each gets Envoy's status, never
 * reaches a filter, and the connection closes after the reply.
 */
@ExtendWith(LeakCheck.class)
class Http1ParsingGapsTest {

    private HcmServer server;

    @BeforeEach
    void start() throws Exception {
        TestFilter.REQUESTS.clear();
        server = new HcmServer(HcmServer.config(b -> b.codec(CodecType.AUTO)));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private void refused(String request, int status, String details) throws Exception {
        try (RawHttp c = new RawHttp(server.port)) {
            c.send(request);
            RawHttp.Response r = c.read();
            assertNotNull(r, "no response to " + request);
            assertEquals(status, r.status(), request);
            assertEquals("close", r.header("connection"));
            assertTrue(c.closedByPeer(), "connection left open after " + request);
        }
        StreamInfo info = server.context.logged.poll(5, TimeUnit.SECONDS);
        assertNotNull(info);
        assertEquals(details, info.responseCodeDetails);
        assertTrue(info.hasFlag(ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR));
        assertNull(TestFilter.REQUESTS.poll(), "a refused request reached the filters");
    }

    /** The request as the filters saw it, answered 200 (its access log entry taken off). */
    private Http2Headers served(String request) throws Exception {
        try (RawHttp c = new RawHttp(server.port)) {
            c.send(request);
            RawHttp.Response r = c.read();
            assertNotNull(r, "no response to " + request);
            assertEquals(200, r.status(), request);
        }
        Http2Headers seen = TestFilter.REQUESTS.poll(5, TimeUnit.SECONDS);
        assertNotNull(seen, request);
        assertNotNull(server.context.logged.poll(5, TimeUnit.SECONDS));
        return seen;
    }

    /**
     * codec AUTO decides as Envoy's determineNextProtocol: "PRI * HTTP/2" is HTTP/2 already, so a
     * broken preface after it costs the connection, with no HTTP/1.1 answer.
     */
    @Test
    void aBrokenHttp2PrefaceIsNoHttp1Request() throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String all = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
            assertTrue(!all.startsWith("HTTP/1.1"), all);
        }
    }

    @Test
    void transferEncodingOtherThanChunkedIs501() throws Exception {
        refused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                501, "http1.invalid_transfer_encoding");
        // Beside a content-length, as Envoy's codec checks that first: 400.
        refused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\nContent-Length: 1\r\n\r\nx",
                400, "http1.content_length_and_chunked_not_allowed");
    }

    @Test
    void controlCharacterOrFragmentInTargetIs400() throws Exception {
        // BalsaParser checks the request line for controls and DEL with the field lines.
        refused("GET /a\u0001b HTTP/1.1\r\nHost: a\r\n\r\n", 400, "http1.invalid_characters");
        refused("GET /a\u007fb HTTP/1.1\r\nHost: a\r\n\r\n", 400, "http1.invalid_characters");
        refused("GET /a\u00e9b HTTP/1.1\r\nHost: a\r\n\r\n", 400, "http1.codec_error");
        refused("GET /admin#/public HTTP/1.1\r\nHost: a\r\n\r\n", 400, "path_normalization_failed");
    }

    @Test
    void http11WithoutHostOrWithTwoIs400() throws Exception {
        withoutHost("GET /p?q HTTP/1.1\r\n\r\n");
        refused("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "http1.codec_error");
    }

    /**
     * Envoy's connection manager, not its codec, refuses a request without Host: the stream has
     * the request's headers (its access log and local_reply_config see them), the reply no body
     * and no protocol-error flag, and the 400 closes the connection (onLocalReply).
     */
    private void withoutHost(String request) throws Exception {
        try (RawHttp c = new RawHttp(server.port)) {
            c.send(request);
            RawHttp.Response r = c.read();
            assertNotNull(r, "no response to " + request);
            assertEquals(400, r.status(), request);
            assertEquals("", r.body());
            assertEquals("close", r.header("connection"));
            assertTrue(c.closedByPeer(), "connection left open after " + request);
        }
        StreamInfo info = server.context.logged.poll(5, TimeUnit.SECONDS);
        assertNotNull(info);
        assertEquals("missing_host_header", info.responseCodeDetails);
        assertFalse(info.hasFlag(ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR));
        assertEquals(request.substring(4, request.indexOf(' ', 4)), info.requestHeaders().path().toString());
        assertNull(TestFilter.REQUESTS.poll(), "a refused request reached the filters");
    }

    /** With stream_error_on_invalid_http_message a request without Host fails alone: the connection serves on. */
    @Test
    void withStreamErrorOnInvalidMessageTheConnectionOutlivesAMissingHost() throws Exception {
        server.close();
        server = new HcmServer(HcmServer.config(b -> b.codec(CodecType.AUTO).streamErrorOnInvalidHttpMessage(true)));
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET / HTTP/1.1\r\n\r\n");
            RawHttp.Response r = c.read();
            assertEquals(400, r.status());
            assertNull(r.header("connection"));
            c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            assertEquals(200, c.read().status());
        }
    }

    @Test
    void connectWithoutUpgradeConfigIsRefusedAndTunnelBytesAreNotParsed() throws Exception {
        // Envoy's HCM refuses an upgrade nobody configured (403 upgrade_failed, no response flag:
        // the request is well-formed) before any filter; what follows the head is tunnel bytes.
        String[] heads = {
            "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
            "GET /chat HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
        };
        for (String head : heads) {
            try (RawHttp c = new RawHttp(server.port)) {
                c.send(head + "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n");
                RawHttp.Response r = c.read();
                assertNotNull(r, "no response to " + head);
                assertEquals(403, r.status(), head);
                assertEquals("close", r.header("connection"));
                assertTrue(c.closedByPeer(), "connection left open after " + head);
            }
            StreamInfo info = server.context.logged.poll(5, TimeUnit.SECONDS);
            assertNotNull(info);
            assertEquals("upgrade_failed", info.responseCodeDetails);
            assertNull(server.context.logged.poll(200, TimeUnit.MILLISECONDS), "the tunnel bytes became a request");
            assertNull(TestFilter.REQUESTS.poll(), "a refused request reached the filters");
        }
    }

    @Test
    void upgradePipelinedBehindAnotherRequestIsNotServed() throws Exception {
        server.close();
        server = new HcmServer(HcmServer.config(b -> b.codec(CodecType.AUTO).streamIdle(java.time.Duration.ofMillis(500))));
        try (RawHttp c = new RawHttp(server.port)) {
            // /first never gets an answer from its filter: the upgrade behind it waits in line.
            c.send("GET /first HTTP/1.1\r\nHost: a\r\nx-test: hang\r\n\r\n"
                    + "GET /chat HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
                    + "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n");
            RawHttp.Response r = c.read();
            assertEquals(504, r.status()); // /first's stream idle timeout: a whole request
            assertNull(c.read(), "something after the pipelined upgrade was answered");
            assertTrue(c.closedByPeer(), "connection left open after a pipelined upgrade");
        }
        Http2Headers first = TestFilter.REQUESTS.poll(5, TimeUnit.SECONDS);
        assertNotNull(first);
        assertEquals("/first", first.path().toString());
        assertNull(TestFilter.REQUESTS.poll(300, TimeUnit.MILLISECONDS), "what followed the upgrade was served");
    }

    @Test
    void h2cUpgradeOfferIsNotAnUpgradeToRefuse() throws Exception {
        // The JDK HttpClient offers h2c on http:// URIs; with a body it stays HTTP/1.1 and the
        // offer is dropped, never refused as an unconfigured upgrade.
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("POST / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                    + "HTTP2-Settings: AAEAAEAAAAIAAAABAAMAAABkAAQBAAAAAAUAAEAA\r\nContent-Length: 2\r\n\r\nhi");
            assertEquals(200, c.read().status());
        }
        Http2Headers seen = TestFilter.REQUESTS.poll(5, TimeUnit.SECONDS);
        assertNotNull(seen);
        assertNull(seen.get("upgrade"));
        assertNull(seen.get("http2-settings"));
    }

    /**
     * Envoy's sanitizeConnectionHeader (server codec, upgrades excepted): every header a
     * Connection token names goes, Host and Content-Length included, TE kept as "trailers" when
     * it lists that; close, keep-alive, upgrade and http2-settings name no header, and a
     * nominated Connection stays. Without Host an HTTP/1.1 request is then the connection
     * manager's missing_host_header, unless an absolute-form target carries the authority.
     */
    @Test
    void headersNamedInConnectionAreNotForwarded() throws Exception {
        Http2Headers seen = served("POST / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, x-secret, Content-Length, te\r\n"
                + "X-Secret: 1\r\nX-Kept: 2\r\nTE: gzip, trailers\r\nContent-Length: 2\r\n\r\nhi");
        assertNull(seen.get("x-secret"));
        assertNull(seen.get("content-length"));
        assertEquals("trailers", seen.get("te").toString());
        assertEquals("2", seen.get("x-kept").toString());
        assertEquals("a", seen.authority().toString());
        withoutHost("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Host\r\n\r\n");
        assertEquals("b", served("GET http://b/x HTTP/1.1\r\nHost: a\r\nConnection: host\r\n\r\n").authority().toString());
    }

    /** Envoy's connection manager keeps TE, nominated or not, only as "trailers" (sanitizeTEHeader). */
    @Test
    void teIsKeptOnlyAsTrailers() throws Exception {
        assertEquals("trailers", served("GET / HTTP/1.1\r\nHost: a\r\nTE: gzip, trailers\r\n\r\n").get("te").toString());
        Http2Headers twoLines = served("GET / HTTP/1.1\r\nHost: a\r\nTE: gzip\r\nTE: deflate,trailers\r\n\r\n");
        assertEquals(List.of("trailers"), twoLines.getAll("te").stream().map(CharSequence::toString).toList());
        assertNull(served("GET / HTTP/1.1\r\nHost: a\r\nTE: gzip, deflate\r\n\r\n").get("te"));
    }

    /** Envoy's client codec sanitizes no Connection header: a response's nominated headers go downstream. */
    @Test
    void aResponsesNominatedHeadersAreForwarded() throws Exception {
        try (RawUpstreamProxy proxy = new RawUpstreamProxy(path ->
                "HTTP/1.1 200 OK\r\nconnection: x-a\r\nx-a: kept\r\ncontent-length: 2\r\n\r\nok")) {
            RawHttp.Response r = proxy.get("/");
            assertEquals(200, r.status());
            assertEquals("kept", r.header("x-a"));
        }
    }

    /**
     * Envoy's connection manager wants a host of HTTP/1.0 requests too: 400 missing_host_header
     * without Host, unless default_host_for_http_10 gives one.
     */
    @Test
    void http10WithoutHostNeedsTheDefaultHost() throws Exception {
        server.close();
        server = new HcmServer(HcmServer.config(b -> b.codec(CodecType.AUTO).acceptHttp10(true)));
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET / HTTP/1.0\r\n\r\n");
            assertEquals(400, c.read().status());
            assertTrue(c.closedByPeer());
        }
        StreamInfo info = server.context.logged.poll(5, TimeUnit.SECONDS);
        assertNotNull(info);
        assertEquals("missing_host_header", info.responseCodeDetails);
        assertNull(TestFilter.REQUESTS.poll(), "a refused request reached the filters");
        assertEquals("a", served("GET / HTTP/1.0\r\nHost: a\r\n\r\n").authority().toString());
        server.close();
        server = new HcmServer(HcmServer.config(b -> b.codec(CodecType.AUTO).acceptHttp10(true)
                .defaultHostForHttp10("default.example")));
        assertEquals("default.example", served("GET / HTTP/1.0\r\n\r\n").authority().toString());
    }

    /**
     * Envoy's parser takes any "HTTP/" DIGIT "." DIGIT and its codec anything but HTTP/1.1 as
     * HTTP/1.0: 426 without accept_http_10, served with it; other versions are codec errors.
     */
    @Test
    void aVersionOtherThan11IsTakenAsHttp10() throws Exception {
        for (String version : new String[] {"HTTP/2.0", "HTTP/1.2", "HTTP/0.9"}) {
            try (RawHttp c = new RawHttp(server.port)) {
                c.send("GET / " + version + "\r\nHost: a\r\n\r\n");
                RawHttp.Response r = c.read();
                assertEquals(426, r.status(), version);
                assertTrue(c.closedByPeer(), "connection left open after " + version);
            }
            StreamInfo info = server.context.logged.poll(5, TimeUnit.SECONDS);
            assertNotNull(info);
            assertEquals("low_version", info.responseCodeDetails);
        }
        refused("GET / HTTP/1.10\r\nHost: a\r\n\r\n", 400, "http1.codec_error");
        server.close();
        server = new HcmServer(HcmServer.config(b -> b.codec(CodecType.AUTO).acceptHttp10(true)));
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET / HTTP/2.0\r\nHost: a\r\n\r\n");
            assertEquals(200, c.read().status());
        }
    }

    /** Controls and DEL anywhere in the field lines: BalsaParser's invalid characters, not a plain codec error. */
    @Test
    void controlCharactersInFieldLinesAreInvalidCharacters() throws Exception {
        refused("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\u0000c\r\n\r\n", 400, "http1.invalid_characters");
        refused("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\u007fc\r\n\r\n", 400, "http1.invalid_characters");
        refused("GET / HTTP/1.1\r\nHost: a\r\nX\u0001A: b\r\n\r\n", 400, "http1.invalid_characters");
        // Not a token, but no control: the parser's header name check.
        refused("GET / HTTP/1.1\r\nHost: a\r\nX(A): b\r\n\r\n", 400, "http1.codec_error");
    }

    /** BalsaParser's isUrlValid: a scheme starts with a letter, a host has URL characters and no "@@". */
    @Test
    void targetsEnvoysParserRefusesAreCodecErrors() throws Exception {
        refused("GET 1http://b/ HTTP/1.1\r\nHost: a\r\n\r\n", 400, "http1.codec_error");
        refused("GET http://a@@b/ HTTP/1.1\r\nHost: a\r\n\r\n", 400, "http1.codec_error");
        refused("GET http://a\"b/ HTTP/1.1\r\nHost: a\r\n\r\n", 400, "http1.codec_error");
        refused("GET b:80 HTTP/1.1\r\nHost: a\r\n\r\n", 400, "http1.codec_error");
    }

    /**
     * Envoy's handlePath takes an absolute-form target's scheme as :scheme, lowercased
     * (allow_absolute_url_with_mixed_scheme), refuses one that is neither http nor https (400
     * http1.invalid_scheme) and, where it validates the scheme (use_remote_address with no trusted
     * hops), an https target on a plaintext connection (403 http1.https_url_on_plaintext_connection).
     * Was: any scheme served, :scheme the connection's.
     */
    @Test
    void anAbsoluteFormTargetsSchemeIsEnvoys() throws Exception {
        refused("GET ftp://b/x HTTP/1.1\r\nHost: a\r\n\r\n", 400, "http1.invalid_scheme");
        Http2Headers seen = served("GET HTTPS://b/x HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals("https", seen.scheme().toString());
        assertEquals("b", seen.authority().toString());
        assertEquals("/x", seen.path().toString());
        server.close();
        server = new HcmServer(HcmServer.config(b -> b.codec(CodecType.AUTO).useRemoteAddress(true)));
        refused("GET https://b/x HTTP/1.1\r\nHost: a\r\n\r\n", 403, "http1.https_url_on_plaintext_connection");
        assertEquals("http", served("GET http://b/x HTTP/1.1\r\nHost: a\r\n\r\n").scheme().toString());
    }

    /** Envoy's codec: a CONNECT has no body and its target is host:port, before any upgrade decision. */
    @Test
    void connectWithABodyOrWithoutHostAndPortIsACodecError() throws Exception {
        refused("CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\nContent-Length: 1\r\n\r\nx", 400, "http1.body_disallowed");
        refused("CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501,
                "http1.invalid_transfer_encoding");
        refused("CONNECT a HTTP/1.1\r\nHost: a\r\n\r\n", 400, "http1.invalid_url");
        refused("CONNECT /x HTTP/1.1\r\nHost: a\r\n\r\n", 400, "http1.invalid_url");
    }

    /** max_request_headers_kb bounds the whole head, request line included (BalsaParser's max_header_length). */
    @Test
    void theRequestLineCountsTowardTheHeadLimit() throws Exception {
        refused("GET /" + "a".repeat(40_000) + " HTTP/1.1\r\nHost: a\r\nX-A: " + "b".repeat(30_000) + "\r\n\r\n", 431,
                "http1.headers_too_large");
    }

    /**
     * The head limit's edge, as BalsaFrame's ProcessHeaders: a head (request line to the empty line
     * that ends it) of exactly max_request_headers_kb (60 KiB by default) is served, one byte more
     * is 431.
     */
    @Test
    void aHeadOfExactlyTheLimitIsServedAndOneByteMoreIsNot() throws Exception {
        String start = "GET / HTTP/1.1\r\nHost: a\r\nx-pad: ";
        String end = "\r\n\r\n";
        String pad = "p".repeat(60 * 1024 - start.length() - end.length());
        assertEquals(60 * 1024, (start + pad + end).length());
        served(start + pad + end);
        refused(start + pad + "p" + end, 431, "http1.headers_too_large");
    }

    /** Envoy's parser fails a chunk size on overflow only: leading zeros are no error. */
    @Test
    void aChunkSizeWithLeadingZerosIsRead() throws Exception {
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n00000000000000000002\r\nhi\r\n0\r\n\r\n");
            RawHttp.Response r = c.read();
            assertEquals(200, r.status());
            assertEquals("hi", r.body());
        }
    }

    /** So does a content-length (BalsaFrame's ProcessContentLengthLine): twenty zeros and a 2 frame two bytes. */
    @Test
    void aContentLengthWithLeadingZerosIsRead() throws Exception {
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 000000000000000000002\r\n\r\nhi"
                    + "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            RawHttp.Response r = c.read();
            assertEquals(200, r.status());
            assertEquals("hi", r.body());
            assertEquals(200, c.read().status());
        }
    }

    /**
     * BalsaParser's first-byte check: every request of a connection starts with a letter one of the
     * parser's methods starts with, so an empty line before one (or after a body) is refused;
     * allow_custom_methods skips that check and lets Balsa skip the empty lines.
     */
    @Test
    void anEmptyLineBeforeARequestIsRefusedUnlessCustomMethodsAreAllowed() throws Exception {
        refused("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "http1.codec_error");
        refused("get / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "http1.codec_error");
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
            assertEquals(200, c.read().status());
            RawHttp.Response second = c.read();
            assertNotNull(second, "no answer to the bytes after the body");
            assertEquals(400, second.status());
            assertTrue(c.closedByPeer());
        }
        server.close();
        server = new HcmServer(HcmServer.config(b -> b.codec(CodecType.AUTO).allowCustomMethods(true)));
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
            assertEquals(200, c.read().status());
        }
    }

    /** obs-fold: BalsaParser (since Envoy 1.29) joins the line to the field before it, the line break dropped. */
    @Test
    void aFoldedLineContinuesTheFieldBeforeIt() throws Exception {
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n");
            assertEquals(200, c.read().status());
        }
        Http2Headers seen = TestFilter.REQUESTS.poll(5, TimeUnit.SECONDS);
        assertNotNull(seen);
        assertEquals("b c", seen.get("x-a").toString());
        assertNotNull(server.context.logged.poll(5, TimeUnit.SECONDS));
        refused("GET / HTTP/1.1\r\n X-A: b\r\nHost: a\r\n\r\n", 400, "http1.codec_error");
    }

    /**
     * Envoy's sanitizeConnectionHeader: ten Connection tokens or more, or a nominated
     * x-forwarded-* header or pseudo-header, costs the request (and the connection).
     */
    @Test
    void aConnectionHeaderEnvoyWillNotSanitizeIsRefused() throws Exception {
        refused("GET / HTTP/1.1\r\nHost: a\r\nConnection: a,b,c,d,e\r\nConnection: f,g,h,i,j\r\n\r\n", 400,
                "http1.connection_header_rejected");
        refused("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, X-Forwarded-For\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n",
                400, "http1.connection_header_rejected");
        refused("GET / HTTP/1.1\r\nHost: a\r\nConnection: :authority\r\n\r\n", 400, "http1.connection_header_rejected");
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET / HTTP/1.1\r\nHost: a\r\nConnection: a,b,c,d,e,f,g,h,i\r\n\r\n");
            assertEquals(200, c.read().status(), "nine tokens are within Envoy's limit");
        }
    }

    /** BalsaParser's ParseHTTPFirstLine: parts separated by runs of SP or HT, trailing ones ignored. */
    @Test
    void requestLineWhitespaceRunsSeparateItsParts() throws Exception {
        for (String line : new String[] {"GET  /x  HTTP/1.1", "GET\t/x\tHTTP/1.1", "GET /x HTTP/1.1 \t"}) {
            try (RawHttp c = new RawHttp(server.port)) {
                c.send(line + "\r\nHost: a\r\n\r\n");
                assertEquals(200, c.read().status(), line);
            }
            Http2Headers seen = TestFilter.REQUESTS.poll(5, TimeUnit.SECONDS);
            assertNotNull(seen, line);
            assertEquals("/x", seen.path().toString(), line);
        }
    }

    /**
     * A CR that ends no line, as Envoy's default codec takes it: BalsaFrame's ParseHTTPFirstLine
     * reads it as whitespace between the request line's parts, its header lines trim it off a
     * value's ends with the other whitespace (BalsaFrame's disallow_lone_cr_in_request_headers
     * stays off: envoy#34829 turned it on and was reverted), and inside a value Envoy's codec
     * refuses it (onHeaderValue, headerValueIsValid): http1.invalid_characters.
     */
    @Test
    void aLoneCrIsWhitespaceUnlessInsideAValue() throws Exception {
        for (String line : new String[] {"GET\r/x HTTP/1.1", "GET /x\rHTTP/1.1", "GET /x HTTP/1.1\r"}) {
            assertEquals("/x", served(line + "\r\nHost: a\r\n\r\n").path().toString(), line);
        }
        Http2Headers seen = served("GET / HTTP/1.1\r\nHost: a\r\nX-A: \rb\r\r\nX-B:\r\r\n\r\n");
        assertEquals("b", seen.get("x-a").toString());
        assertEquals("", seen.get("x-b").toString());
        refused("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\rc\r\n\r\n", 400, "http1.invalid_characters");
        refused("GET /x\ry HTTP/1.1\r\nHost: a\r\n\r\n", 400, "http1.codec_error");
    }

    /** The same from an upstream: a lone CR separates the status line's parts, is trimmed off a value, and inside one is a protocol error. */
    @Test
    void aLoneCrInAResponseIsWhitespaceUnlessInsideAValue() throws Exception {
        try (RawUpstreamProxy proxy = new RawUpstreamProxy(path -> switch (path) {
            case "/status" -> "HTTP/1.1\r200\rOK\r\ncontent-length: 2\r\n\r\nok";
            case "/ends" -> "HTTP/1.1 200 OK\r\nx-a: \rb\r\r\ncontent-length: 2\r\n\r\nok";
            default -> "HTTP/1.1 200 OK\r\nx-a: b\rc\r\ncontent-length: 2\r\n\r\nok";
        })) {
            assertEquals("ok", proxy.get("/status").body());
            RawHttp.Response ends = proxy.get("/ends");
            assertEquals(200, ends.status());
            assertEquals("b", ends.header("x-a"));
            assertEquals(502, proxy.get("/inside").status());
        }
    }

    /**
     * Proxy-Connection is no standard header, but Envoy's shouldCloseConnection honours its close
     * token both ways: the upstream connection is not reused, the client's is closed after the
     * response.
     */
    @Test
    void proxyConnectionCloseEndsTheConnectionBothWays() throws Exception {
        try (RawUpstreamProxy proxy = new RawUpstreamProxy(path -> path.equals("/close")
                ? "HTTP/1.1 200 OK\r\nproxy-connection: close\r\ncontent-length: 2\r\n\r\nok"
                : "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")) {
            assertEquals("ok", proxy.get("/").body());
            assertEquals("ok", proxy.get("/close").body());
            assertEquals(1, proxy.connections.get());
            assertEquals("ok", proxy.get("/").body());
            assertEquals(2, proxy.connections.get(), "the connection that said close was reused");
        }
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET / HTTP/1.1\r\nHost: a\r\nProxy-Connection: close\r\n\r\n");
            RawHttp.Response r = c.read();
            assertEquals(200, r.status());
            assertEquals("close", r.header("connection"));
            assertTrue(c.closedByPeer(), "the client's connection stayed open");
        }
    }

    /**
     * An upstream's status line as Envoy's BalsaFrame splits it: runs of whitespace between the
     * parts, any HTTP/d.d version, a code with leading zeros; a control character in it is a
     * protocol error (502).
     */
    @Test
    void aStatusLineIsReadAsBalsaReadsIt() throws Exception {
        try (RawUpstreamProxy proxy = new RawUpstreamProxy(path -> switch (path) {
            case "/spaces" -> "HTTP/1.1  200\tFine\r\ncontent-length: 2\r\n\r\nok";
            case "/version" -> "HTTP/2.0 0201 Made\r\ncontent-length: 2\r\n\r\nok";
            default -> "HTTP/1.1 200 O\u0001K\r\ncontent-length: 2\r\n\r\nok";
        })) {
            RawHttp.Response spaces = proxy.get("/spaces");
            assertEquals(200, spaces.status());
            assertEquals("ok", spaces.body());
            RawHttp.Response version = proxy.get("/version");
            assertEquals(201, version.status());
            assertEquals("ok", version.body());
            assertEquals(502, proxy.get("/control").status());
        }
    }

    /**
     * BalsaFrame's chunk length: hex digits ended by SP, HT, CR, LF or ';', then an extension it
     * skips up to the line's LF whatever it holds and however long, save a CR that ends no line (Envoy sets
     * disallow_lone_cr_in_chunk_extension) or an LF without its CR (quiche's default). Digits
     * ended by anything else, or a line that does not start with one, is an invalid chunk
     * length: http1.codec_error.
     */
    @Test
    void aChunkSizeLineIsReadAsBalsaReadsIt() throws Exception {
        for (String size : new String[] {"5 junk", "5 ;ext", "5\t", "5;a\u0001b", "5\tjunk;x=\"y\"", "5;x=" + "y".repeat(5000)}) {
            try (RawHttp c = new RawHttp(server.port)) {
                c.send("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + size + "\r\nhello\r\n0\r\n\r\n");
                RawHttp.Response r = c.read();
                assertEquals(200, r.status(), size);
                assertEquals("hello", r.body(), size);
            }
        }
        for (String size : new String[] {"5x", " 5", "5\rjunk", ";5"}) {
            try (RawHttp c = new RawHttp(server.port)) {
                // x-test: buffer holds the response back until the body is in: the codec's 400 is the answer.
                c.send("POST / HTTP/1.1\r\nHost: a\r\nx-test: buffer\r\nTransfer-Encoding: chunked\r\n\r\n" + size
                        + "\r\nhello\r\n0\r\n\r\n");
                assertEquals(400, c.read().status(), size);
                assertTrue(c.closedByPeer(), "connection left open after " + size);
            }
        }
        for (String body : new String[] {"5\nhello\r\n0\r\n\r\n", "5;x\nhello\r\n0\r\n\r\n", "5\r\nhello\r\n0\n\r\n"}) {
            try (RawHttp c = new RawHttp(server.port)) {
                c.send("POST / HTTP/1.1\r\nHost: a\r\nx-test: buffer\r\nTransfer-Encoding: chunked\r\n\r\n" + body);
                assertEquals(400, c.read().status(), body);
                assertTrue(c.closedByPeer(), "connection left open after " + body);
            }
        }
        try (RawUpstreamProxy proxy = new RawUpstreamProxy(path ->
                "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2 junk\r\nok\r\n1;" + "z".repeat(9000)
                        + "\r\n!\r\n0\r\n\r\n")) {
            assertEquals("ok!", proxy.get("/").body());
        }
    }
}
