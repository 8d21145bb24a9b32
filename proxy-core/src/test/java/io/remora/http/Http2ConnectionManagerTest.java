package io.remora.http;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.remora.accesslog.ResponseFlag;
import io.remora.accesslog.StreamInfo;
import io.remora.config.HttpConnectionManagerConfig.CodecType;
import io.remora.testing.RawH2;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Http2ConnectionManagerTest extends HcmServerTestBase {

    private StreamInfo logged() throws InterruptedException {
        StreamInfo i = server.context.logged.poll(5, TimeUnit.SECONDS);
        assertNotNull(i, "no access log entry");
        return i;
    }

    /**
     * The access log entry of a stream the codec refused before the connection manager saw its
     * headers, as Envoy logs it: no response code, the codec's details, DPE for a messaging error.
     */
    private void assertRefusedStreamLogged(String details, boolean protocolError) throws InterruptedException {
        StreamInfo i = logged();
        assertEquals(0, i.responseCode);
        assertEquals(details, i.responseCodeDetails);
        assertEquals(protocolError ? java.util.EnumSet.of(io.remora.accesslog.ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR)
                : java.util.EnumSet.noneOf(io.remora.accesslog.ResponseFlag.class), i.flags());
    }

    private static Http2Headers request(String method, String path) {
        return new DefaultHttp2Headers().method(method).path(path).scheme("http").authority("test.local");
    }

    @Test
    void curlPriorKnowledge() throws Exception {
        start(b -> b);
        Process p = new ProcessBuilder("curl", "-s", "-i", "--http2-prior-knowledge", server.url("/pk"))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertTrue(out.startsWith("HTTP/2 200"), out);
        assertTrue(out.contains("server: envoy"), out);
        assertTrue(out.endsWith("ok"), out);
        assertEquals("HTTP/2", logged().protocol);
        assertEquals(1.0, server.hcm.stats.downstreamCxHttp2Total.count());
    }

    /**
     * The JDK client offers h2c with an Upgrade on its first request. As Envoy's codec, the offer is
     * not taken: the request is served over HTTP/1.1, its Upgrade, HTTP2-Settings and their
     * Connection tokens dropped, and the connection stays HTTP/1.1.
     */
    @Test
    void jdkClientsH2cOfferIsServedOverHttp11() throws Exception {
        start(b -> b);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(server.url("/up"))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals(HttpClient.Version.HTTP_1_1, r.version());
        assertEquals("ok", r.body());
        Http2Headers seen = TestFilter.REQUESTS.poll(5, TimeUnit.SECONDS);
        for (String name : List.of("upgrade", "http2-settings", "connection")) {
            assertFalse(seen.contains(name), name + " in " + seen);
        }
        assertEquals("HTTP/1.1", logged().protocol);
        HttpResponse<String> post = client.send(HttpRequest.newBuilder(URI.create(server.url("/echo")))
                .POST(HttpRequest.BodyPublishers.ofString("over h1")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(HttpClient.Version.HTTP_1_1, post.version());
        assertEquals("over h1", post.body());
        assertEquals(0.0, server.hcm.stats.downstreamCxHttp2Total.count());
    }

    /** The same over a raw socket: no 101, and the connection serves the next request as HTTP/1.1. */
    @Test
    void h2cOfferGetsNo101() throws Exception {
        start(b -> b);
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET /up HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                    + "HTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n");
            RawHttp.Response r = c.read();
            assertEquals(200, r.status());
            assertEquals("ok", r.body());
            c.send("GET /up HTTP/1.1\r\nHost: a\r\n\r\n");
            assertEquals(200, c.read().status());
        }
        assertEquals(1.0, server.hcm.stats.downstreamCxHttp1Total.count());
    }

    /** GET / for authority a with the header X-Upper: 1, whose upper-case name makes it invalid. */
    static byte[] upperCaseNameRequest() {
        java.io.ByteArrayOutputStream block = new java.io.ByteArrayOutputStream();
        block.write(0x82); // :method GET
        block.write(0x86); // :scheme http
        block.write(0x84); // :path /
        block.write(0x41); // :authority, literal with indexing
        block.write(1);
        block.write('a');
        block.write(0x00); // a new name, literal without indexing: X-Upper: 1
        block.write(7);
        block.writeBytes("X-Upper".getBytes(StandardCharsets.US_ASCII));
        block.write(1);
        block.write('1');
        return block.toByteArray();
    }

    /** GET / with the given :authority and extra (name, value) fields, HPACK literals without indexing. */
    static byte[] request(String authority, String... extra) {
        java.io.ByteArrayOutputStream block = new java.io.ByteArrayOutputStream();
        block.write(0x82); // :method GET
        block.write(0x86); // :scheme http
        block.write(0x84); // :path /
        block.write(0x01); // :authority (static index 1), literal without indexing
        block.write(authority.length());
        block.writeBytes(authority.getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < extra.length; i += 2) {
            block.write(0x00);
            block.write(extra[i].length());
            block.writeBytes(extra[i].getBytes(StandardCharsets.US_ASCII));
            block.write(extra[i + 1].length());
            block.writeBytes(extra[i + 1].getBytes(StandardCharsets.US_ASCII));
        }
        return block.toByteArray();
    }

    /** Envoy's codecs check the authority (check_authority_h1_h2): an invalid one is an invalid request. */
    @Test
    void anInvalidAuthorityTerminatesTheConnectionByDefault() throws Exception {
        start(b -> b.codec(CodecType.HTTP2));
        TestFilter.REQUESTS.clear();
        try (RawH2 h2 = new RawH2("127.0.0.1", server.port)) {
            h2.settingsAck().frame(RawH2.HEADERS, 0x5, 1, request("a|b")).flush();
            RawH2.Frame goAway = h2.awaitGoAway();
            assertNotNull(goAway, "no GOAWAY");
            assertEquals(1, goAway.goAwayError()); // PROTOCOL_ERROR
        }
        assertEquals(1.0, server.hcm.stats.http2RxMessagingError.count());
        assertEquals(null, TestFilter.REQUESTS.poll(), "the request reached the filters");
        assertRefusedStreamLogged("http2.invalid.header.field", true);
        assertEquals(1.0, server.hcm.stats.downstreamRqTotal.count());
        assertEquals(1.0, server.hcm.stats.downstreamRqRxReset.count());
        assertEquals(1.0, server.hcm.stats.downstreamCxProtocolError.count());
    }

    /**
     * What Envoy's HTTP/2 codecs refuse and Netty's decoder let through: a value with CR, LF or
     * NUL (it could end a line of the HTTP/1.1 request it becomes), a name that is no token, a
     * request without :scheme, a CONNECT with a :path. Each is an invalid request: GOAWAY.
     */
    @Test
    void fieldsEnvoysCodecRefusesTerminateTheConnection() throws Exception {
        start(b -> b.codec(CodecType.HTTP2));
        TestFilter.REQUESTS.clear();
        byte[] noScheme = {(byte) 0x82, (byte) 0x84, 0x01, 0x01, 'a'};
        byte[] connectWithPath = {0x02, 0x07, 'C', 'O', 'N', 'N', 'E', 'C', 'T', 0x01, 0x03, 'a', ':', '1', (byte) 0x84};
        List<byte[]> blocks = List.of(request("a", "x-a", "a\r\nx-b: injected"), request("a", "x-a", "a\nb"),
                request("a", "x-a", "a\u0000b"), request("a", "x a", "v"), request("a", "x:a", "v"), noScheme,
                connectWithPath);
        for (byte[] block : blocks) {
            try (RawH2 h2 = new RawH2("127.0.0.1", server.port)) {
                h2.settingsAck().frame(RawH2.HEADERS, 0x5, 1, block).flush();
                RawH2.Frame goAway = h2.awaitGoAway();
                assertNotNull(goAway, "no GOAWAY");
                assertEquals(1, goAway.goAwayError()); // PROTOCOL_ERROR
            }
        }
        assertEquals(blocks.size(), server.hcm.stats.http2RxMessagingError.count());
        assertEquals(null, TestFilter.REQUESTS.poll(), "a refused request reached the filters");
        // Each was still a stream of Envoy's connection manager (opened by its first HEADERS):
        // logged with nghttp2's reason, a bad field or, for missing pseudo-headers, a messaging rule.
        for (int i = 0; i < blocks.size(); i++) {
            assertRefusedStreamLogged(i < 5 ? "http2.invalid.header.field" : "http2.violation.of.messaging.rule", true);
        }
        assertEquals(blocks.size(), server.hcm.stats.downstreamRqTotal.count());
        assertEquals(blocks.size(), server.hcm.stats.downstreamRqRxReset.count());
        assertEquals(blocks.size(), server.hcm.stats.downstreamCxProtocolError.count());
    }

    /**
     * oghttp2's value characters (nghttp2's alike) are HTAB, SP to '~' and obs-text, for
     * pseudo-headers too, and a :method is a token: any other control character, DEL, a :method
     * or :path carrying CR LF make an invalid request (GOAWAY), where they were served and a
     * :method with CR LF could reach an HTTP/1.1 upstream's request line. HTAB and obs-text stay.
     */
    @Test
    void controlCharactersAndAMethodThatIsNoTokenAreInvalidFields() throws Exception {
        start(b -> b.codec(CodecType.HTTP2));
        TestFilter.REQUESTS.clear();
        List<byte[]> blocks = List.of(request("a", "x-a", "a\u0001b"), request("a", "x-a", "a\u001fb"),
                request("a", "x-a", "a\u007fb"),
                RawH2.block(":method", "GET\r\nX", ":scheme", "http", ":path", "/", ":authority", "a"),
                RawH2.block(":method", "G T", ":scheme", "http", ":path", "/", ":authority", "a"),
                RawH2.block(":method", "GET", ":scheme", "http", ":path", "/a\r\nx: y", ":authority", "a"),
                RawH2.block(":method", "GET", ":scheme", "ht\u0000tp", ":path", "/", ":authority", "a"));
        for (byte[] block : blocks) {
            try (RawH2 h2 = new RawH2("127.0.0.1", server.port)) {
                h2.settingsAck().frame(RawH2.HEADERS, 0x5, 1, block).flush();
                RawH2.Frame goAway = h2.awaitGoAway();
                assertNotNull(goAway, "no GOAWAY");
                assertEquals(1, goAway.goAwayError()); // PROTOCOL_ERROR
            }
            assertRefusedStreamLogged("http2.invalid.header.field", true);
        }
        assertEquals(blocks.size(), server.hcm.stats.http2RxMessagingError.count());
        assertEquals(null, TestFilter.REQUESTS.poll(), "a refused request reached the filters");
        // Trailers are checked as the request's head.
        try (RawH2 h2 = new RawH2("127.0.0.1", server.port)) {
            h2.settingsAck().frame(RawH2.HEADERS, 0x4, 1, request("a", "x-test", "hang"))
                    .frame(RawH2.HEADERS, 0x5, 1, RawH2.block("x-t", "a\u0001")).flush();
            RawH2.Frame goAway = h2.awaitGoAway();
            assertNotNull(goAway, "no GOAWAY for a trailer");
            assertEquals(1, goAway.goAwayError());
        }
        assertEquals(blocks.size() + 1.0, server.hcm.stats.http2RxMessagingError.count());
        TestFilter.REQUESTS.clear();
        try (RawH2 h2 = new RawH2("127.0.0.1", server.port)) {
            h2.settingsAck().frame(RawH2.HEADERS, 0x5, 1, RawH2.block(":method", "GET", ":scheme", "http", ":path", "/",
                    ":authority", "a", "x-a", "a\tb\u00e9 ~")).flush();
            RawH2.Frame f = h2.read();
            while (f != null && !(f.type() == RawH2.HEADERS && f.streamId() == 1)) {
                assertTrue(f.type() != RawH2.GOAWAY && f.type() != RawH2.RST_STREAM, "refused: type " + f.type());
                f = h2.read();
            }
            assertNotNull(f, "a value with HTAB and obs-text was not answered");
        }
        assertEquals("a\tb\u00e9 ~", TestFilter.REQUESTS.poll().get("x-a").toString());
    }

    /**
     * RFC 8441's :protocol where Envoy's codec takes no extended CONNECT (oghttp2's
     * ValidateRequestHeaders with allow_extended_connect off, or on a GET): a messaging error, so
     * by default the connection goes (GOAWAY PROTOCOL_ERROR) and only the stream with
     * stream_error_on_invalid_http_message (was: a RST_STREAM, no rx_messaging_error, no log entry).
     */
    @Test
    void aProtocolPseudoHeaderEnvoyTakesNoExtendedConnectForIsAMessagingError() throws Exception {
        String[] websocket = {":method", "CONNECT", ":protocol", "websocket", ":scheme", "http", ":path", "/ws",
            ":authority", "a"};
        start(b -> b.codec(CodecType.HTTP2));
        try (RawH2 h2 = new RawH2("127.0.0.1", server.port)) {
            h2.settingsAck().request(1, false, websocket).flush();
            RawH2.Frame goAway = h2.awaitGoAway();
            assertNotNull(goAway, "no GOAWAY");
            assertEquals(1, goAway.goAwayError()); // PROTOCOL_ERROR
        }
        assertEquals(1.0, server.hcm.stats.http2RxMessagingError.count());
        assertRefusedStreamLogged("http2.violation.of.messaging.rule", true);
        assertEquals(1.0, server.hcm.stats.downstreamCxProtocolError.count());
        server.close();

        start(b -> b.codec(CodecType.HTTP2).streamErrorOnInvalidHttpMessage(true)
                .http2(io.remora.config.Http2Options.builder().allowConnect(true).build()));
        try (RawH2 h2 = new RawH2("127.0.0.1", server.port)) {
            h2.settingsAck().request(1, true, ":method", "GET", ":protocol", "websocket", ":scheme", "http",
                    ":path", "/ws", ":authority", "a").flush();
            RawH2.Frame f = h2.read();
            while (f != null && f.type() != RawH2.RST_STREAM) {
                assertTrue(f.type() != RawH2.GOAWAY, "the connection was closed for one stream's :protocol");
                f = h2.read();
            }
            assertNotNull(f, "no RST_STREAM");
            assertEquals(1, f.rstError()); // PROTOCOL_ERROR
        }
        assertEquals(1.0, server.hcm.stats.http2RxMessagingError.count());
        assertRefusedStreamLogged("http2.violation.of.messaging.rule", true);
        assertEquals(null, TestFilter.REQUESTS.poll(), "a refused request reached the filters");
    }

    /**
     * Envoy's HTTP/2 codec counts every field against max_headers_count, pseudo-headers too, and
     * resets the stream past it (no 431): the connection goes on.
     */
    @Test
    void tooManyHeadersResetTheStream() throws Exception {
        start(b -> b.codec(CodecType.HTTP2).maxHeadersCount(5));
        try (RawH2 h2 = new RawH2("127.0.0.1", server.port)) {
            h2.settingsAck().frame(RawH2.HEADERS, 0x5, 1, request("a", "x-a", "1", "x-b", "2")).flush();
            RawH2.Frame f = h2.read();
            while (f != null && f.type() != RawH2.RST_STREAM) {
                assertFalse(f.type() == RawH2.HEADERS && f.streamId() == 1, "six fields were answered");
                f = h2.read();
            }
            assertNotNull(f, "no RST_STREAM");
            assertEquals(1, f.streamId());
            assertEquals(2, f.payload()[3]); // INTERNAL_ERROR, as nghttp2 answers a failed header callback
            h2.frame(RawH2.HEADERS, 0x5, 3, request("a", "x-a", "1")).flush();
            for (f = h2.read(); f != null && !(f.type() == RawH2.HEADERS && f.streamId() == 3); f = h2.read()) {
                assertTrue(f.type() != RawH2.GOAWAY, "GOAWAY after a stream reset");
            }
            assertNotNull(f, "five fields were not answered");
        }
        assertRefusedStreamLogged("http2.too_many_headers", false); // a reset Envoy's codec reports as remote
        assertEquals(1.0, server.hcm.stats.http2HeaderOverflow.count());
        assertEquals(1.0, server.hcm.stats.downstreamRqRxReset.count());
        assertEquals(0.0, server.hcm.stats.downstreamRqTxReset.count());
    }

    /**
     * Envoy's saveHeader counts a trailer section on its own against max_headers_count, as a head:
     * past it the stream is reset (INTERNAL_ERROR), http2.too_many_headers (was: the trailers went on).
     */
    @Test
    void tooManyTrailersResetTheStream() throws Exception {
        start(b -> b.codec(CodecType.HTTP2).maxHeadersCount(6));
        try (RawH2 h2 = new RawH2("127.0.0.1", server.port)) {
            h2.settingsAck().frame(RawH2.HEADERS, 0x4, 1, request("a", "x-test", "buffer"))
                    .frame(RawH2.DATA, 0, 1, new byte[] {'o', 'k'})
                    .frame(RawH2.HEADERS, 0x5, 1, RawH2.block("x-a", "1", "x-b", "2", "x-c", "3", "x-d", "4",
                            "x-e", "5", "x-f", "6", "x-g", "7")).flush();
            RawH2.Frame f = h2.read();
            while (f != null && f.type() != RawH2.RST_STREAM) {
                f = h2.read();
            }
            assertNotNull(f, "no RST_STREAM");
            assertEquals(1, f.streamId());
            assertEquals(RawH2.INTERNAL_ERROR, f.rstError());
            assertTrue(h2.pingPong(1), "the connection lives on");
        }
        assertRefusedStreamLogged("http2.too_many_headers", false);
        assertEquals(1.0, server.hcm.stats.http2HeaderOverflow.count());
    }

    /**
     * Headers past max_request_headers_kb (60 KiB) are no invalid message: as Envoy's codec, their
     * stream is reset (Netty would answer 431 first) and the connection goes on.
     */
    @Test
    void headersPastTheSizeLimitResetOnlyTheirStream() throws Exception {
        start(b -> b.codec(CodecType.HTTP2));
        java.io.ByteArrayOutputStream block = new java.io.ByteArrayOutputStream();
        block.writeBytes(request("a"));
        int n = 62 * 1024;
        block.write(0x00); // literal without indexing, new name x-big
        block.write(5);
        block.writeBytes("x-big".getBytes(StandardCharsets.US_ASCII));
        block.write(0x7f); // the length, HPACK's 7-bit prefix integer
        for (int rest = n - 127; ; rest >>= 7) {
            if (rest < 128) {
                block.write(rest);
                break;
            }
            block.write((rest & 0x7f) | 0x80);
        }
        block.writeBytes("v".repeat(n).getBytes(StandardCharsets.US_ASCII));
        byte[] all = block.toByteArray();
        try (RawH2 h2 = new RawH2("127.0.0.1", server.port)) {
            h2.settingsAck();
            for (int at = 0; at < all.length; at += 16384) {
                int end = Math.min(all.length, at + 16384);
                int flags = (at == 0 ? 0x1 : 0) | (end == all.length ? 0x4 : 0);
                h2.frame(at == 0 ? RawH2.HEADERS : 9, flags, 1, java.util.Arrays.copyOfRange(all, at, end));
            }
            h2.flush();
            RawH2.Frame f = h2.read();
            while (f != null && f.type() != RawH2.RST_STREAM) {
                assertFalse(f.type() == RawH2.GOAWAY, "the connection was closed for one stream's headers");
                assertFalse(f.type() == RawH2.HEADERS && f.streamId() == 1, "answered (431?) rather than reset");
                f = h2.read();
            }
            assertNotNull(f, "no RST_STREAM");
            assertEquals(1, f.streamId());
            assertEquals(2, f.payload()[3]); // INTERNAL_ERROR
            h2.get(3, "a", "/ok", true).flush();
            for (f = h2.read(); f != null && !(f.type() == RawH2.HEADERS && f.streamId() == 3); f = h2.read()) {
                assertTrue(f.type() != RawH2.GOAWAY, "GOAWAY after a stream reset");
            }
            assertNotNull(f, "the next stream was not answered");
        }
        assertEquals(0.0, server.hcm.stats.http2RxMessagingError.count());
        assertEquals(1.0, server.hcm.stats.http2HeaderOverflow.count());
        assertRefusedStreamLogged("http2.too_many_headers", false);
        assertEquals(2.0, server.hcm.stats.downstreamRqTotal.count());
        assertEquals(1.0, server.hcm.stats.downstreamRqRxReset.count());
        assertEquals(0.0, server.hcm.stats.downstreamCxProtocolError.count());
    }

    /** As Envoy's codec by default: an invalid request costs its connection (GOAWAY PROTOCOL_ERROR). */
    @Test
    void anUpperCaseNameTerminatesTheConnectionByDefault() throws Exception {
        start(b -> b.codec(CodecType.HTTP2));
        try (RawH2 h2 = new RawH2("127.0.0.1", server.port)) {
            h2.settingsAck().frame(RawH2.HEADERS, 0x5, 1, upperCaseNameRequest()).flush();
            RawH2.Frame goAway = h2.awaitGoAway();
            assertNotNull(goAway, "no GOAWAY");
            assertEquals(1, goAway.goAwayError()); // PROTOCOL_ERROR
        }
        assertEquals(1.0, server.hcm.stats.http2RxMessagingError.count());
    }

    /**
     * Envoy's DownstreamProtocolIntegrationTest InvalidContentLength and MultipleContentLengths:
     * a content-length that is no number ("-1", "3,2") is an invalid field for oghttp2
     * (HandleContentLength), so the connection goes (ConnectionTermination), a messaging error.
     * Was: Netty's content-length check reset only the stream.
     */
    @Test
    void aContentLengthThatIsNoNumberTerminatesTheConnection() throws Exception {
        start(b -> b.codec(CodecType.HTTP2));
        for (String value : new String[] {"-1", "3,2"}) {
            try (RawH2 h2 = new RawH2("127.0.0.1", server.port)) {
                // END_STREAM on the HEADERS: Netty's own check would reset the stream alone.
                h2.settingsAck().frame(RawH2.HEADERS, 0x5, 1, request("a", "content-length", value)).flush();
                RawH2.Frame goAway = h2.awaitGoAway();
                assertNotNull(goAway, "no GOAWAY for content-length " + value);
                assertEquals(1, goAway.goAwayError()); // PROTOCOL_ERROR
            }
        }
        assertEquals(2.0, server.hcm.stats.http2RxMessagingError.count());
        assertTrue(Http2FieldRules.contentLength(" +18446744073709551615 "));
        assertFalse(Http2FieldRules.contentLength("18446744073709551616"));
    }

    /**
     * oghttp2's HandleContentLength: a second content-length that differs is an invalid field (a
     * messaging error, the connection by default), not the stream reset Netty's length check makes;
     * the same value again is no error.
     */
    @Test
    void twoContentLengthsThatDifferTerminateTheConnection() throws Exception {
        start(b -> b.codec(CodecType.HTTP2));
        try (RawH2 h2 = new RawH2("127.0.0.1", server.port)) {
            h2.settingsAck().frame(RawH2.HEADERS, 0x5, 1,
                    request("a", "content-length", "0", "content-length", "1")).flush();
            RawH2.Frame goAway = h2.awaitGoAway();
            assertNotNull(goAway, "no GOAWAY");
            assertEquals(1, goAway.goAwayError()); // PROTOCOL_ERROR
        }
        assertEquals(1.0, server.hcm.stats.http2RxMessagingError.count());
        try (RawH2 h2 = new RawH2("127.0.0.1", server.port)) {
            h2.settingsAck().frame(RawH2.HEADERS, 0x5, 1,
                    request("a", "content-length", "0", "content-length", "0")).flush();
            RawH2.Frame f = h2.read();
            while (f != null && f.type() != RawH2.HEADERS) {
                assertTrue(f.type() != RawH2.GOAWAY && f.type() != RawH2.RST_STREAM, "refused: type " + f.type());
                f = h2.read();
            }
            assertNotNull(f, "no response");
        }
        assertTrue(Http2FieldRules.sameNumber(" +007 ", "7"));
        assertFalse(Http2FieldRules.sameNumber("70", "7"));
    }

    /**
     * HPACK decodes requests into {@link HeaderBlock}s, keeping the checks Netty's validating block
     * made: with stream_error_on_invalid_http_message an upper-case name resets its own stream
     * with PROTOCOL_ERROR and the connection goes on.
     */
    @Test
    void requestsDecodeIntoHeaderBlocksAndAnUpperCaseNameResetsOnlyItsStream() throws Exception {
        start(b -> b.codec(CodecType.HTTP2).streamErrorOnInvalidHttpMessage(true));
        TestFilter.REQUESTS.clear();
        try (RawH2 h2 = new RawH2("127.0.0.1", server.port)) {
            h2.settingsAck().frame(RawH2.HEADERS, 0x5, 1, upperCaseNameRequest()).flush();
            RawH2.Frame f = h2.read();
            while (f != null && f.type() != RawH2.RST_STREAM) {
                assertTrue(f.type() != RawH2.GOAWAY, "the connection was closed for one stream's header");
                f = h2.read();
            }
            assertNotNull(f, "no RST_STREAM");
            assertEquals(1, f.streamId());
            assertEquals(1, f.payload()[3]); // PROTOCOL_ERROR
            h2.get(3, "a", "/ok", true).flush();
            for (f = h2.read(); f != null && !(f.type() == RawH2.HEADERS && f.streamId() == 3); f = h2.read()) {
                assertTrue(f.type() != RawH2.GOAWAY, "GOAWAY after a stream error");
            }
            assertNotNull(f, "the next stream was not answered");
        }
        Http2Headers seen = TestFilter.REQUESTS.poll(5, TimeUnit.SECONDS);
        assertTrue(seen instanceof HeaderBlock, String.valueOf(seen));
        assertEquals("/ok", seen.path().toString());
        assertEquals(null, TestFilter.REQUESTS.poll(), "the reset request never reached the filters");
        assertRefusedStreamLogged("http2.invalid.header.field", true); // Envoy: a LocalReset with the codec's details
        assertEquals(0.0, server.hcm.stats.downstreamCxProtocolError.count());
    }

    /**
     * Envoy's http2.streams_active (codec_stats.h): a stream counts from its HEADERS until it
     * closes, a stream the client reset or abandoned with its connection included.
     */
    @Test
    void streamsActiveCountsOpenStreams() throws Exception {
        start(b -> b.codec(CodecType.HTTP2));
        java.util.concurrent.atomic.AtomicLong active = server.hcm.stats.http2StreamsActive;
        long before = active.get();
        try (H2Client c = new H2Client(server.port)) {
            H2Client.Stream done = c.open();
            done.channel.writeAndFlush(new DefaultHttp2HeadersFrame(request("GET", "/done"), true));
            assertEquals("200", ((Http2HeadersFrame) done.next()).headers().status().toString());
            H2Client.Stream a = c.open();
            a.channel.writeAndFlush(new DefaultHttp2HeadersFrame(request("GET", "/a").set("x-test", "hang"), true));
            H2Client.Stream b = c.open();
            b.channel.writeAndFlush(new DefaultHttp2HeadersFrame(request("POST", "/b").set("x-test", "hang"), false));
            awaitValue(active, before + 2);
            b.channel.writeAndFlush(new DefaultHttp2ResetFrame(io.netty.handler.codec.http2.Http2Error.CANCEL));
            awaitValue(active, before + 1);
        }
        awaitValue(active, before);
        assertEquals((double) before, server.context.stats.meterRegistry().get("envoy_http2_streams_active").gauge().value());
    }

    private static void awaitValue(java.util.concurrent.atomic.AtomicLong v, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (v.get() != expected && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(expected, v.get());
    }

    @Test
    void trailersBothWays() throws Exception {
        start(b -> b.codec(CodecType.HTTP2));
        try (H2Client c = new H2Client(server.port)) {
            H2Client.Stream s = c.open();
            s.channel.write(new DefaultHttp2HeadersFrame(request("POST", "/grpc.Svc/Call")
                    .set("content-type", "application/grpc").set("te", "trailers"), false));
            s.channel.write(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("payload", StandardCharsets.UTF_8), false));
            s.channel.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().set("x-trailer", "t1"), true));
            Http2HeadersFrame h = (Http2HeadersFrame) s.next();
            assertEquals("200", h.headers().status().toString());
            Object d = s.next();
            assertEquals("data", ((Object[]) d)[0]);
            Http2HeadersFrame t = (Http2HeadersFrame) s.next();
            assertTrue(t.isEndStream());
            assertEquals("t1", t.headers().get("echo-x-trailer").toString());
            assertEquals("payload", s.body.toString());
        }
        StreamInfo info = logged();
        assertEquals(7, info.bytesReceived);
    }

    @Test
    void grpcLocalReplyIsTrailersOnly() throws Exception {
        start(b -> b.codec(CodecType.HTTP2));
        try (H2Client c = new H2Client(server.port)) {
            H2Client.Stream s = c.open();
            s.channel.writeAndFlush(new DefaultHttp2HeadersFrame(request("POST", "/grpc.Svc/Call")
                    .set("content-type", "application/grpc").set("x-test", "local"), true));
            Http2HeadersFrame h = (Http2HeadersFrame) s.next();
            assertTrue(h.isEndStream());
            assertEquals("200", h.headers().status().toString());
            assertEquals("14", h.headers().get("grpc-status").toString());
            assertEquals("no healthy upstream", h.headers().get("grpc-message").toString());
            assertEquals("application/grpc", h.headers().get("content-type").toString());
        }
    }

    /** Envoy's connection manager wants a host: neither :authority nor host is 400 missing_host_header. */
    @Test
    void aRequestWithoutAuthorityOrHostIs400() throws Exception {
        start(b -> b);
        try (H2Client c = new H2Client(server.port)) {
            H2Client.Stream s = c.open();
            s.channel.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().method("GET").path("/")
                    .scheme("http"), true));
            assertEquals("400", ((Http2HeadersFrame) s.next()).headers().status().toString());
            H2Client.Stream withHost = c.open();
            withHost.channel.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().method("GET")
                    .path("/nope").scheme("http").add("host", "test.local"), true));
            assertEquals("404", ((Http2HeadersFrame) withHost.next()).headers().status().toString());
        }
        assertEquals("missing_host_header", logged().responseCodeDetails);
    }

    @Test
    void noRouteOverH2() throws Exception {
        start(b -> b);
        try (H2Client c = new H2Client(server.port)) {
            H2Client.Stream s = c.open();
            s.channel.writeAndFlush(new DefaultHttp2HeadersFrame(request("GET", "/nope"), true));
            Http2HeadersFrame h = (Http2HeadersFrame) s.next();
            assertEquals("404", h.headers().status().toString());
        }
        assertTrue(logged().hasFlag(ResponseFlag.NO_ROUTE_FOUND));
    }

    @Test
    void downstreamResetMidBodyDestroysFiltersAndLeaksNothing() throws Exception {
        start(b -> b);
        try (H2Client c = new H2Client(server.port)) {
            H2Client.Stream s = c.open();
            s.channel.write(new DefaultHttp2HeadersFrame(request("POST", "/up").set("x-test", "hang"), false));
            s.channel.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("part", StandardCharsets.UTF_8), false));
            assertEquals("data:4", TestFilter.EVENTS.poll(5, TimeUnit.SECONDS));
            s.channel.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.CANCEL));
            assertEquals("destroy", TestFilter.EVENTS.poll(5, TimeUnit.SECONDS));
            // The connection survives its stream's reset.
            H2Client.Stream s2 = c.open();
            s2.channel.writeAndFlush(new DefaultHttp2HeadersFrame(request("GET", "/after"), true));
            assertEquals("200", ((Http2HeadersFrame) s2.next()).headers().status().toString());
        }
        StreamInfo info = logged();
        assertTrue(info.hasFlag(ResponseFlag.DOWNSTREAM_CONNECTION_TERMINATION));
    }

    @Test
    void concurrentStreamsAreIndependent() throws Exception {
        start(b -> b);
        try (H2Client c = new H2Client(server.port)) {
            H2Client.Stream slow = c.open();
            slow.channel.writeAndFlush(new DefaultHttp2HeadersFrame(request("POST", "/slow"), false));
            assertEquals("200", ((Http2HeadersFrame) slow.next()).headers().status().toString());
            H2Client.Stream fast = c.open();
            fast.channel.writeAndFlush(new DefaultHttp2HeadersFrame(request("GET", "/fast"), true));
            assertEquals("200", ((Http2HeadersFrame) fast.next()).headers().status().toString());
            slow.channel.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("late", StandardCharsets.UTF_8), true));
            slow.next();
            assertEquals("late", slow.body.toString());
        }
    }

    @Test
    void drainSendsGoAwayTwiceAndClosesAfterTheLastStream() throws Exception {
        start(b -> b.drain(java.time.Duration.ofMillis(300)));
        try (H2Client c = new H2Client(server.port)) {
            H2Client.Stream s = c.open();
            s.channel.writeAndFlush(new DefaultHttp2HeadersFrame(request("POST", "/x"), false));
            assertEquals("200", ((Http2HeadersFrame) s.next()).headers().status().toString());
            server.hcm.startDrain(io.remora.server.DrainDecision.immediate());
            H2Client.GoAway notice = c.goAways.poll(5, TimeUnit.SECONDS);
            assertNotNull(notice, "no GOAWAY");
            assertEquals(Http2Error.NO_ERROR.code(), notice.errorCode());
            assertEquals(Integer.MAX_VALUE, notice.lastStreamId(), "the first GOAWAY refuses nothing");
            H2Client.GoAway last = c.goAways.poll(5, TimeUnit.SECONDS);
            assertNotNull(last, "no final GOAWAY");
            assertEquals(3, last.lastStreamId());
            assertTrue(c.channel.isActive(), "an open stream keeps the connection");
            s.channel.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("bye", StandardCharsets.UTF_8), true));
            assertTrue(c.channel.closeFuture().await(5, TimeUnit.SECONDS), "closes after the last stream");
            assertEquals("bye", s.body.toString());
        }
    }

    @Test
    void aCloseWaitsForTheLastFrameOfAStreamInFlight() throws Exception {
        start(b -> b);
        try (H2Client c = new H2Client(server.port)) {
            H2Client.Stream s = c.open();
            s.channel.writeAndFlush(new DefaultHttp2HeadersFrame(request("POST", "/x"), false));
            assertEquals("200", ((Http2HeadersFrame) s.next()).headers().status().toString());
            // Through the HTTP/2 handler: Netty's graceful close, which closes the channel as the
            // last stream closes. The stream's last frame must be on the wire before that.
            server.accepted.poll(5, TimeUnit.SECONDS).close();
            assertNotNull(c.goAways.poll(5, TimeUnit.SECONDS), "no GOAWAY");
            assertTrue(c.channel.isActive(), "an open stream keeps the connection");
            s.channel.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("bye", StandardCharsets.UTF_8), true));
            assertTrue(c.channel.closeFuture().await(5, TimeUnit.SECONDS), "closes after the last stream");
            assertEquals("bye", s.body.toString());
        }
    }

    @Test
    void pausedDecodingWithholdsWindowUpdates() throws Exception {
        start(b -> b.http2(new io.remora.config.Http2Options(100, 65_535, 65_535, false)));
        TestFilter.PAUSED.clear();
        TestFilter.RECEIVED.set(0);
        int total = 300_000;
        try (H2Client c = new H2Client(server.port)) {
            H2Client.Stream s = c.open();
            s.channel.writeAndFlush(new DefaultHttp2HeadersFrame(request("POST", "/p").set("x-test", "pause"), false));
            var cb = TestFilter.PAUSED.poll(5, TimeUnit.SECONDS);
            assertNotNull(cb);
            for (int i = 0; i < total / 10_000; i++) {
                s.channel.write(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(new byte[10_000]), i == total / 10_000 - 1));
            }
            s.channel.flush();
            Thread.sleep(300);
            // The peer may send one window's worth; the rest waits for a WINDOW_UPDATE that never came.
            assertTrue(TestFilter.RECEIVED.get() <= 65_535, "received " + TestFilter.RECEIVED.get());
            assertTrue(!s.channel.isWritable(), "client stream window should be exhausted");
            cb.eventLoop().execute(cb::resumeDecoding);
            Http2HeadersFrame h = (Http2HeadersFrame) s.next();
            assertEquals("204", h.headers().status().toString());
            assertEquals(total, TestFilter.RECEIVED.get());
        }
    }

    @Test
    void slowReaderFlipsTheResponseStreamsWritability() throws Exception {
        start(b -> b);
        try (H2Client c = new H2Client(server.port)) {
            H2Client.Stream s = c.open();
            // The client reads nothing of this stream yet: no WINDOW_UPDATE, its 65,535-byte window closes.
            s.channel.config().setAutoRead(false);
            s.channel.writeAndFlush(new DefaultHttp2HeadersFrame(request("GET", "/big").set("x-test", "flood"), true));
            assertEquals("above", TestFilter.EVENTS.poll(5, TimeUnit.SECONDS), "the stream's send window never closed");
            assertEquals(null, TestFilter.EVENTS.poll(300, TimeUnit.MILLISECONDS), "writable again without a WINDOW_UPDATE");
            // Another stream on the connection is not held up by the stalled one.
            H2Client.Stream other = c.open();
            other.channel.writeAndFlush(new DefaultHttp2HeadersFrame(request("GET", "/other"), true));
            assertEquals("200", ((Http2HeadersFrame) other.next()).headers().status().toString());
            s.channel.config().setAutoRead(true);
            String e;
            do {
                e = TestFilter.EVENTS.poll(5, TimeUnit.SECONDS); // skipping the other stream's "destroy"
            } while ("destroy".equals(e));
            assertEquals("below", e);
            Object f;
            do {
                f = s.next();
            } while (!(f instanceof Object[] d && (Boolean) d[1]));
            assertTrue(s.body.toString().endsWith("END"), "the response ended after the resume");
            // The filter stopped writing at the first "above" (else 4,096 chunks of 64 KiB).
            assertTrue(s.body.length() < 1024 * 1024, "body " + s.body.length());
        }
    }

    @Test
    void streamIdleTimeoutOverH2() throws Exception {
        start(b -> b.streamIdle(java.time.Duration.ofMillis(200)));
        try (H2Client c = new H2Client(server.port)) {
            H2Client.Stream s = c.open();
            s.channel.writeAndFlush(new DefaultHttp2HeadersFrame(request("GET", "/idle").set("x-test", "hang"), true));
            Http2HeadersFrame h = (Http2HeadersFrame) s.next();
            assertEquals("504", h.headers().status().toString()); // END_STREAM: a whole request
        }
        StreamInfo info = logged();
        assertTrue(info.hasFlag(ResponseFlag.STREAM_IDLE_TIMEOUT));
        assertEquals(1, TestFilter.DESTROYED.get());
    }

    @Test
    void h2cOfferWithABodyStreamsOverHttp11() throws Exception {
        start(b -> b);
        try (RawHttp c = new RawHttp(server.port)) {
            String body = "z".repeat(100_000);
            c.send("POST /big HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                    + "HTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\nContent-Length: 100000\r\n\r\n" + body);
            RawHttp.Response r = c.read();
            assertEquals(200, r.status());
            assertEquals(100_000, r.body().length());
        }
    }

    @Test
    void idleConnectionGetsGoAwayAndCloses() throws Exception {
        start(b -> b.idle(java.time.Duration.ofMillis(300)));
        try (H2Client c = new H2Client(server.port)) {
            H2Client.Stream s = c.open();
            s.channel.writeAndFlush(new DefaultHttp2HeadersFrame(request("GET", "/x"), true));
            s.next();
            H2Client.GoAway g = c.goAways.poll(5, TimeUnit.SECONDS);
            assertNotNull(g, "no GOAWAY on idle timeout");
            assertTrue(c.channel.closeFuture().await(5, TimeUnit.SECONDS));
        }
    }
}
