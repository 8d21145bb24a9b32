package io.remora.http;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.ResponseFlag;
import io.remora.accesslog.AccessLogFormatter;
import io.remora.accesslog.StreamInfo;
import io.remora.config.HttpConnectionManagerConfig.CodecType;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Http1ConnectionManagerTest extends HcmServerTestBase {

    private StreamInfo logged() throws InterruptedException {
        StreamInfo i = server.context.logged.poll(5, TimeUnit.SECONDS);
        assertNotNull(i, "no access log entry");
        return i;
    }

    @Test
    void jdkClientKeepAliveReusesTheConnection() throws Exception {
        start(b -> b.codec(CodecType.HTTP1));
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(server.url("/hello?x=" + i))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertEquals("ok", r.body());
            assertEquals("envoy", r.headers().firstValue("server").orElse(null));
            assertEquals("default", r.headers().firstValue("x-route").orElse(null));
            assertEquals("/hello?x=" + i, r.headers().firstValue("x-seen-path").orElse(null));
        }
        assertEquals(1.0, server.hcm.stats.downstreamCxTotal.count());
        assertEquals(3.0, server.hcm.stats.downstreamRqHttp1Total.count());
        assertEquals(1L, server.hcm.stats.downstreamCxActive.get());
        assertTrue(server.hcm.stats.downstreamCxRxBytesTotal.count() > 100);
        assertTrue(server.hcm.stats.downstreamCxTxBytesTotal.count() > 100);
        StreamInfo info = logged();
        assertEquals("HTTP/1.1", info.protocol);
        assertEquals("GET", info.method());
        assertEquals(200, info.responseCode);
        assertEquals("default", info.routeName);
        assertEquals("via_upstream", info.responseCodeDetails);
        Http2Headers seen = TestFilter.REQUESTS.poll();
        assertEquals("127.0.0.1:" + server.port, seen.authority().toString());
        assertEquals("http", seen.scheme().toString());
        assertNull(seen.get("connection"));
        assertEquals("HTTP/1.1", seen.get("x-route-added").toString());
    }

    @Test
    void chunkedRequestBodyStreamsBackChunked() throws Exception {
        start(b -> b);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        byte[] body = "x".repeat(200_000).getBytes(StandardCharsets.US_ASCII);
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(server.url("/echo")))
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals(200_000, r.body().length());
        StreamInfo info = logged();
        assertEquals(200_000, info.bytesReceived);
        assertEquals(200_000, info.bytesSent);
    }

    @Test
    void streamedResponseWithoutLengthIsChunked() throws Exception {
        start(b -> b);
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET /s HTTP/1.1\r\nHost: a\r\nx-test: chunks\r\n\r\n");
            RawHttp.Response r = c.read();
            assertEquals("chunked", r.header("transfer-encoding"));
            assertEquals("chunk0;chunk1;chunk2;", r.body());
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        start(b -> b);
        try (RawHttp c = new RawHttp(server.port)) {
            // Two at a time: a third behind two answered at once is the response flood (Http1ResponseFloodTest).
            c.send("GET /one HTTP/1.1\r\nHost: a\r\n\r\n"
                    + "POST /two HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello");
            RawHttp.Response r1 = c.read();
            RawHttp.Response r2 = c.read();
            c.send("GET /three HTTP/1.1\r\nHost: a\r\n\r\nGET /four HTTP/1.1\r\nHost: a\r\n\r\n");
            RawHttp.Response r3 = c.read();
            assertEquals("/four", c.read().header("x-seen-path"));
            assertEquals("/one", r1.header("x-seen-path"));
            assertEquals("hello", r2.body());
            assertEquals("/three", r3.header("x-seen-path"));
        }
        assertEquals(1.0, server.hcm.stats.downstreamCxTotal.count());
    }

    /**
     * Between a request and its response the socket stays readable (no epoll_ctl pair per request;
     * a client's close is seen at once); once pipelined bytes wait behind it, reading stops until
     * the response is done, so a client cannot make the proxy buffer what it pipelines.
     */
    @Test
    void readingStopsOnlyOncePipelinedBytesWait() throws Exception {
        start(b -> b);
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET /held HTTP/1.1\r\nHost: a\r\nx-test: hang\r\n\r\n");
            assertNotNull(TestFilter.REQUESTS.poll(5, TimeUnit.SECONDS));
            io.netty.channel.Channel ch = server.accepted.poll(5, TimeUnit.SECONDS);
            assertNotNull(ch);
            assertTrue(ch.eventLoop().submit(() -> ch.config().isAutoRead()).get(), "reading paused with nothing waiting");
            c.send("GET /next HTTP/1.1\r\nHost: a\r\n\r\n");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (ch.eventLoop().submit(() -> ch.config().isAutoRead()).get() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertFalse(ch.eventLoop().submit(() -> ch.config().isAutoRead()).get(), "still reading behind a pipelined request");
            assertNull(TestFilter.REQUESTS.poll(200, TimeUnit.MILLISECONDS), "the pipelined request started early");
        }
    }

    @Test
    void malformedRequestLineIs400AndCloses() throws Exception {
        start(b -> b.codec(CodecType.HTTP1));
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("THIS IS NOT HTTP\r\n\r\n");
            RawHttp.Response r = c.read();
            assertEquals(400, r.status());
            assertEquals("close", r.header("connection"));
            assertEquals("Bad Request", r.body());
            assertTrue(c.closedByPeer());
        }
        StreamInfo info = logged();
        assertEquals(400, info.responseCode);
        assertTrue(info.hasFlag(ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR));
        assertEquals("http1.codec_error", info.responseCodeDetails);
    }

    @Test
    void headersOverTheLimitAre431() throws Exception {
        start(b -> b.maxHeadersKb(1));
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET / HTTP/1.1\r\nHost: a\r\nx-big: " + "y".repeat(2048) + "\r\n\r\n");
            RawHttp.Response r = c.read();
            assertEquals(431, r.status());
            assertTrue(c.closedByPeer());
        }
        // A codec protocol error in Envoy, counted as any other.
        assertEquals(1.0, server.hcm.stats.downstreamCxProtocolError.count());
    }

    /**
     * The rest of a refused request is still arriving when the 431 is sent: the connection ends
     * with a FIN after the response (DelayedClose), not a reset, which would lose the response.
     */
    @Test
    void a431WhileTheRequestIsStillArrivingEndsWithFinNotReset() throws Exception {
        start(b -> b.maxHeadersKb(1));
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET / HTTP/1.1\r\nHost: a\r\nx-big: " + "y".repeat(2048) + "\r\nx-more: " + "z".repeat(200_000));
            RawHttp.Response r = c.read();
            assertEquals(431, r.status());
            assertEquals(-1, c.socket.getInputStream().read(), "end of stream, not a reset");
        }
    }

    /**
     * {@code delayed_close_timeout}: the connection stays readable (what the client still sends is
     * dropped, not answered with a reset) for the configured time after a {@code connection: close}
     * response, and zero closes it as soon as the response is written.
     */
    @Test
    void delayedCloseTimeoutKeepsReadingForItsDurationAndZeroClosesAtOnce() throws Exception {
        start(b -> b.delayedClose(Duration.ofSeconds(30)));
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET / HTTP/1.1\r\nHost: a\r\nconnection: close\r\n\r\n");
            assertEquals(200, c.read().status());
            assertEquals(-1, c.socket.getInputStream().read(), "the FIN comes with the response");
            for (int i = 0; i < 10; i++) {
                c.send("late bytes, dropped\r\n"); // a closed socket would answer them with a reset
                Thread.sleep(50);
            }
        }
        server.close();
        server = null;

        start(b -> b.delayedClose(Duration.ZERO));
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET / HTTP/1.1\r\nHost: a\r\nconnection: close\r\n\r\n");
            assertEquals(200, c.read().status());
            assertEquals(-1, c.socket.getInputStream().read());
            // Well before Envoy's default delay of 1 s would end.
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(700);
            java.io.IOException reset = null;
            while (reset == null && System.nanoTime() < deadline) {
                try {
                    c.send("late bytes\r\n");
                    Thread.sleep(50);
                } catch (java.io.IOException e) {
                    reset = e;
                }
            }
            assertNotNull(reset, "a connection closed at once resets what arrives after it, within 700 ms");
        }
    }

    @Test
    void noRouteIs404WithNr() throws Exception {
        start(b -> b);
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(server.url("/nope"))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, r.statusCode());
        assertEquals("", r.body());
        StreamInfo info = logged();
        assertTrue(info.hasFlag(ResponseFlag.NO_ROUTE_FOUND));
        assertEquals("NR", info.responseFlagsString());
        assertEquals("route_not_found", info.responseCodeDetails);
        assertEquals(1.0, server.hcm.stats.noRoute.count());
        assertTrue(TestFilter.REQUESTS.isEmpty(), "filters must not run without a route");
    }

    @Test
    void directResponseAndRedirect() throws Exception {
        start(b -> b);
        HttpClient client = HttpClient.newHttpClient();
        HttpResponse<String> d = client.send(HttpRequest.newBuilder(URI.create(server.url("/direct"))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, d.statusCode());
        assertEquals("direct body", d.body());
        assertEquals("text/plain", d.headers().firstValue("content-type").orElse(null));
        assertEquals("direct", d.headers().firstValue("x-route").orElse(null));
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(server.url("/redirect"))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(302, r.statusCode());
        assertEquals("https://example.com/elsewhere", r.headers().firstValue("location").orElse(null));
        assertEquals(2.0, server.hcm.stats.rqDirectResponse.count(), "a redirect is a direct response, as Envoy's");
        assertEquals(0.0, server.hcm.stats.rqRedirect.count());
    }

    /**
     * Envoy's FilterManager checks the response's :status after the encoder filters
     * (checkRequiredResponseHeaders): no number there is a 502 local reply in place of the
     * response. Was: the stream reset, the client left with nothing.
     */
    @Test
    void aStatusThatIsNoNumberBecomesA502() throws Exception {
        start(b -> b);
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET / HTTP/1.1\r\nHost: a\r\nx-test: nostatus\r\n\r\n");
            RawHttp.Response r = c.read();
            assertEquals(502, r.status());
            assertEquals("missing required header: :status", r.body());
        }
        StreamInfo info = logged();
        assertEquals("filter_removed_required_response_headers{missing_required_header:_:status}",
                info.responseCodeDetails);
    }

    @Test
    void localReplyFromAFilterHasEnvoysTextBody() throws Exception {
        start(b -> b);
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET / HTTP/1.1\r\nHost: a\r\nx-test: local\r\n\r\n");
            RawHttp.Response r = c.read();
            assertEquals(503, r.status());
            assertEquals("no healthy upstream", r.body());
            assertEquals("text/plain", r.header("content-type"));
            assertEquals("19", r.header("content-length"));
            assertEquals("envoy", r.header("server"));
        }
        StreamInfo info = logged();
        assertEquals("UH", info.responseFlagsString());
        assertEquals(1, TestFilter.DESTROYED.get());
    }

    @Test
    void loopbackPeerGetsTheProxysLocalAddressInXff() throws Exception {
        start(b -> b.useRemoteAddress(true));
        server.context.localAddress = java.net.InetAddress.getByName("10.9.8.7");
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET / HTTP/1.1\r\nHost: a\r\nx-forwarded-for: 203.0.113.9\r\n\r\n");
            assertEquals(200, c.read().status());
        }
        Http2Headers seen = TestFilter.REQUESTS.poll(5, TimeUnit.SECONDS);
        // Envoy appends local_info's address (by --local-address-ip-version) for a loopback peer
        assertEquals("203.0.113.9,10.9.8.7", seen.get("x-forwarded-for").toString());
    }

    @Test
    void edgeProxyHeaders() throws Exception {
        // internal_address_config without cidr_ranges: Envoy's RFC 1918 / RFC 4193 set, 127.0.0.1 in it.
        start(b -> b.useRemoteAddress(true).internalAddresses(new io.remora.config.InternalAddressConfig(false,
                java.util.List.of())));
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET / HTTP/1.1\r\nHost: a\r\nx-envoy-retry-on: 5xx\r\n\r\n");
            assertEquals(200, c.read().status());
        }
        Http2Headers seen = TestFilter.REQUESTS.poll(5, TimeUnit.SECONDS);
        // Loopback peer: Envoy appends its own (local) address, and the request is internal.
        assertEquals("127.0.0.1", seen.get("x-forwarded-for").toString());
        assertEquals("http", seen.get("x-forwarded-proto").toString());
        assertEquals("true", seen.get("x-envoy-internal").toString());
        assertEquals("5xx", seen.get("x-envoy-retry-on").toString(), "internal requests keep x-envoy-*");
        String id = seen.get("x-request-id").toString();
        assertTrue(id.matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"), id);
        assertEquals(id, logged().requestId());
    }

    /** Envoy 1.33 on: without internal_address_config no peer is internal, a loopback one neither. */
    @Test
    void withoutInternalAddressConfigALoopbackPeerIsAtTheEdge() throws Exception {
        start(b -> b.useRemoteAddress(true));
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET / HTTP/1.1\r\nHost: a\r\nx-envoy-retry-on: 5xx\r\nx-envoy-internal: true\r\n"
                    + "x-request-id: mine\r\n\r\n");
            assertEquals(200, c.read().status());
        }
        Http2Headers seen = TestFilter.REQUESTS.poll(5, TimeUnit.SECONDS);
        assertNull(seen.get("x-envoy-internal"));
        assertNull(seen.get("x-envoy-retry-on"));
        assertEquals("127.0.0.1", seen.get("x-envoy-external-address").toString());
        assertNotEquals("mine", seen.get("x-request-id").toString(), "an edge request gets the proxy's id");
    }

    @Test
    void aRequestThatIsNotInternalLosesEnvoysControlHeadersEvenOffTheEdge() throws Exception {
        // use_remote_address off and no XFF: not internal, not edge. Envoy's cleanInternalHeaders
        // still removes the retry/timeout/trace headers; only the edge-only ones stay.
        start(b -> b);
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET / HTTP/1.1\r\nHost: a\r\nx-envoy-retry-on: 5xx\r\nX-Envoy-Upstream-Rq-Timeout-Ms: 5\r\n"
                    + "x-envoy-force-trace: true\r\nx-envoy-downstream-service-cluster: app\r\n"
                    + "x-envoy-other: kept\r\n\r\n");
            assertEquals(200, c.read().status());
        }
        Http2Headers seen = TestFilter.REQUESTS.poll(5, TimeUnit.SECONDS);
        assertNull(seen.get("x-envoy-internal"));
        assertNull(seen.get("x-envoy-retry-on"));
        assertNull(seen.get("x-envoy-upstream-rq-timeout-ms"));
        assertNull(seen.get("x-envoy-force-trace"));
        assertEquals("app", seen.get("x-envoy-downstream-service-cluster").toString(), "edge-only");
        assertEquals("kept", seen.get("x-envoy-other").toString());
    }

    @Test
    void externalCallerPerXffLosesInternalMarkAndKeepsItsRequestId() throws Exception {
        start(b -> b);
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET / HTTP/1.1\r\nHost: a\r\nx-forwarded-for: 8.8.8.8\r\nx-envoy-internal: true\r\n"
                    + "x-request-id: abc\r\nx-internal-secret: s\r\n\r\n");
            assertEquals(200, c.read().status());
        }
        Http2Headers seen = TestFilter.REQUESTS.poll(5, TimeUnit.SECONDS);
        assertNull(seen.get("x-envoy-internal"));
        assertNull(seen.get("x-internal-secret"));
        assertEquals("8.8.8.8", seen.get("x-forwarded-for").toString());
        assertEquals("abc", seen.get("x-request-id").toString());
    }

    @Test
    void downstreamRemoteAddressIsTheClientXffNames() throws Exception {
        start(b -> b);
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET / HTTP/1.1\r\nHost: a\r\nx-forwarded-for: 203.0.113.9, 198.51.100.4\r\n\r\n");
            assertEquals(200, c.read().status());
        }
        StreamInfo info = logged();
        // use_remote_address false, xff_num_trusted_hops 0: the last entry is the client.
        assertEquals("198.51.100.4:0", AccessLogFormatter.address(info.downstreamRemoteAddress, true));
        assertEquals("127.0.0.1", AccessLogFormatter.address(info.downstreamDirectRemoteAddress, false));
    }

    @Test
    void trustedHopsPickTheClientBehindThem() throws Exception {
        start(b -> b.useRemoteAddress(true).trustedHops(1));
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET / HTTP/1.1\r\nHost: a\r\nx-forwarded-for: 203.0.113.9, 198.51.100.4\r\n\r\n");
            assertEquals(200, c.read().status());
        }
        StreamInfo info = logged();
        assertEquals("198.51.100.4", AccessLogFormatter.address(info.downstreamRemoteAddress, false));
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            assertEquals(200, c.read().status());
        }
        // No XFF to trust: the socket peer, with its port.
        StreamInfo plain = logged();
        assertEquals(plain.downstreamDirectRemoteAddress, plain.downstreamRemoteAddress);
    }

    /**
     * Envoy's onIdleTimeout answers maybeRequestTimeoutCode(decodeComplete): a request read whole
     * (this GET) gets 504, one still arriving 408 (HeaderPhaseTimeoutTest, OverloadStreamsTest).
     * Was: 408 whatever the request.
     */
    @Test
    void streamIdleTimeoutAnswers504ToAWholeRequest() throws Exception {
        start(b -> b.streamIdle(Duration.ofMillis(200)));
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET / HTTP/1.1\r\nHost: a\r\nx-test: hang\r\n\r\n");
            RawHttp.Response r = c.read();
            assertEquals(504, r.status());
            assertEquals("stream timeout", r.body());
        }
        StreamInfo info = logged();
        assertTrue(info.hasFlag(ResponseFlag.STREAM_IDLE_TIMEOUT));
        assertEquals("stream_idle_timeout", info.responseCodeDetails);
        assertEquals(1, TestFilter.DESTROYED.get());
        assertEquals(1.0, server.hcm.stats.downstreamRqIdleTimeout.count());
    }

    @Test
    void downstreamCloseMidBodyDestroysFilters() throws Exception {
        start(b -> b);
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("POST / HTTP/1.1\r\nHost: a\r\nx-test: hang\r\nContent-Length: 100\r\n\r\n0123456789");
            assertEquals("data:10", TestFilter.EVENTS.poll(5, TimeUnit.SECONDS));
        }
        assertEquals("destroy", TestFilter.EVENTS.poll(5, TimeUnit.SECONDS));
        StreamInfo info = logged();
        assertTrue(info.hasFlag(ResponseFlag.DOWNSTREAM_CONNECTION_TERMINATION));
        assertEquals(1.0, server.hcm.stats.downstreamRqRxReset.count());
    }

    @Test
    void expectContinueIsAnsweredByTheProxy() throws Exception {
        start(b -> b);
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
            assertEquals(100, c.read().status());
            c.send("abc");
            RawHttp.Response r = c.read();
            assertEquals(200, r.status());
            assertEquals("abc", r.body());
        }
        assertNull(TestFilter.REQUESTS.poll().get("expect"));
    }

    /**
     * Envoy's connection manager answers Expect: 100-continue and strips it whatever follows: a
     * request without a body too, and on HTTP/1.0 (accepted) in kind.
     */
    @Test
    void expectContinueIsAnsweredWithoutABodyAndOnHttp10() throws Exception {
        start(b -> b.acceptHttp10(true));
        TestFilter.REQUESTS.clear();
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n");
            assertEquals(100, c.read().status());
            assertEquals(200, c.read().status());
        }
        assertNull(TestFilter.REQUESTS.poll().get("expect"));
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("POST /old HTTP/1.0\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc"
                    .getBytes(StandardCharsets.ISO_8859_1));
            String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(all.startsWith("HTTP/1.0 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\n"), all);
        }
    }

    @Test
    void http10GetsAnAnswerAndTheConnectionCloses() throws Exception {
        start(b -> b.acceptHttp10(true));
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET /old HTTP/1.0\r\nHost: a\r\n\r\n");
            RawHttp.Response r = c.read();
            assertEquals(200, r.status());
            assertEquals("ok", r.body());
            assertTrue(c.closedByPeer());
        }
        // Envoy's codec answers an HTTP/1.0 request it accepted in kind (Http10Enabled).
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("GET /old HTTP/1.0\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(all.startsWith("HTTP/1.0 200 OK\r\n"), all);
        }
        // HTTP/0.9 too, with connection: close (Http09Enabled).
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("GET /old\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(all.startsWith("HTTP/1.0 200 OK\r\n") && all.contains("\r\nconnection: close\r\n"), all);
        }
    }

    /**
     * Envoy's connection manager gives the stream its codec's protocol, HTTP/1.0 for any version
     * but 1.1 (decodeHeaders: "the protocol may have shifted in the HTTP/1.0 case"): %PROTOCOL%
     * and the filters' stream info say HTTP/1.0, a 426 for a version not accepted included.
     */
    @Test
    void http10RequestsAreLoggedAsHttp10() throws Exception {
        start(b -> b.acceptHttp10(true));
        server.context.logged.clear();
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET /old HTTP/1.0\r\nHost: a\r\n\r\n");
            assertEquals(200, c.read().status());
        }
        assertEquals("HTTP/1.0", logged().protocol);
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET /new HTTP/1.1\r\nHost: a\r\n\r\n");
            assertEquals(200, c.read().status());
        }
        assertEquals("HTTP/1.1", logged().protocol);
        server.close();
        start(b -> b);
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET /old HTTP/1.0\r\nHost: a\r\n\r\n");
            assertEquals(426, c.read().status());
        }
        StreamInfo refused = logged();
        assertEquals("HTTP/1.0", refused.protocol);
        assertEquals("low_version", refused.responseCodeDetails);
    }

    /**
     * Envoy's codec calls a connection HTTP/1.0 from its first request other than HTTP/1.1 on
     * (protocol_ is never set back), and its connection manager judges keep-alive by that protocol
     * (shouldCloseConnection): an HTTP/1.1 request on a kept-alive HTTP/1.0 connection is answered
     * "HTTP/1.0", logged HTTP/1.0, and closes the connection unless it too says keep-alive. On
     * HTTP/1.0 a keep-alive token keeps the connection whatever else Connection lists.
     */
    @Test
    void aKeptAliveHttp10ConnectionStaysHttp10() throws Exception {
        start(b -> b.acceptHttp10(true));
        server.context.logged.clear();
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET /a HTTP/1.0\r\nHost: a\r\nConnection: keep-alive, close\r\n\r\n");
            RawHttp.Response r = c.read();
            assertTrue(c.statusLine.startsWith("HTTP/1.0 200"), c.statusLine);
            assertEquals("keep-alive", r.header("connection"));
            assertEquals("HTTP/1.0", logged().protocol);
            c.send("GET /b HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n");
            r = c.read();
            assertTrue(c.statusLine.startsWith("HTTP/1.0 200"), c.statusLine);
            assertEquals("keep-alive", r.header("connection"));
            assertEquals("HTTP/1.0", logged().protocol);
            c.send("GET /c HTTP/1.1\r\nHost: a\r\n\r\n");
            r = c.read();
            assertTrue(c.statusLine.startsWith("HTTP/1.0 200"), c.statusLine);
            assertEquals("close", r.header("connection"));
            assertEquals("ok", r.body());
            assertTrue(c.closedByPeer());
        }
        assertEquals("HTTP/1.0", logged().protocol);
        // A new connection starts as HTTP/1.1 again, where a close token closes, keep-alive or not.
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET /d HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, close\r\n\r\n");
            RawHttp.Response r = c.read();
            assertTrue(c.statusLine.startsWith("HTTP/1.1 200"), c.statusLine);
            assertEquals("close", r.header("connection"));
            assertTrue(c.closedByPeer());
        }
        assertEquals("HTTP/1.1", logged().protocol);
    }

    @Test
    void http10IsUpgradeRequiredUnlessAccepted() throws Exception {
        start(b -> b);
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET /old HTTP/1.0\r\nHost: a\r\n\r\n");
            RawHttp.Response r = c.read();
            assertEquals(426, r.status(), "Envoy's default: accept_http_10 false");
            assertEquals("", r.body());
            assertTrue(c.closedByPeer());
        }
        // An HTTP/0.9 request line (no version) is HTTP/1.0 to Envoy's parser (Http10Disabled).
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET /old\r\n\r\n");
            assertEquals(426, c.read().status());
            assertTrue(c.closedByPeer());
        }
    }

    @Test
    void drainAddsConnectionCloseToTheNextResponse() throws Exception {
        start(b -> b);
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            assertNull(c.read().header("connection"));
            server.hcm.startDrain(io.remora.server.DrainDecision.immediate());
            Thread.sleep(100); // startDrain hands off to the connection's event loop
            c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            RawHttp.Response r = c.read();
            assertEquals(200, r.status());
            assertEquals("close", r.header("connection"));
            assertTrue(c.closedByPeer());
        }
    }

    @Test
    void curlHttp11() throws Exception {
        start(b -> b);
        Process p = new ProcessBuilder("curl", "-s", "-i", "--http1.1", "-d", "from-curl", server.url("/curl"))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertTrue(out.startsWith("HTTP/1.1 200"), out);
        assertTrue(out.endsWith("from-curl"), out);
        assertFalse(out.toLowerCase().contains("connection: close"), out);
    }

    @Test
    void requestTimeoutAnswers408() throws Exception {
        start(b -> b.requestTimeout(Duration.ofMillis(200)));
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("POST / HTTP/1.1\r\nHost: a\r\nx-test: hang\r\nContent-Length: 100\r\n\r\n0123");
            RawHttp.Response r = c.read();
            assertEquals(408, r.status());
            assertEquals("request timeout", r.body());
            assertEquals("close", r.header("connection"), "the unread request body costs the connection");
        }
        assertEquals("request_overall_timeout", logged().responseCodeDetails);
        assertEquals(1.0, server.hcm.stats.downstreamRqTimeout.count());
    }

    /**
     * Envoy's RequestTimeoutIsDisarmedByPrematureEncodeHeaders: a response that starts before the
     * request ends stops request_timeout (FilterManager::encodeHeaders disarms it); the stream
     * idle timeout still watches the stream.
     */
    @Test
    void responseHeadersStopTheRequestTimeout() throws Exception {
        start(b -> b.requestTimeout(Duration.ofMillis(200)).streamIdle(Duration.ofSeconds(5)));
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
            assertEquals(200, c.readHead().status(), "the test filter answers the head before the body");
            Thread.sleep(600);
            c.send("3\r\nabc\r\n0\r\n\r\n");
            assertEquals("3\r\nabc\r\n0\r\n\r\n", new String(c.socket.getInputStream().readNBytes(13),
                    java.nio.charset.StandardCharsets.ISO_8859_1), "the echoed body, after the request timeout");
        }
        assertEquals(0.0, server.hcm.stats.downstreamRqTimeout.count());
    }

    /**
     * As Envoy's HTTP/1 codec: the limit counts header lines (Host among them, the request line
     * not), and one past it is a codec error: 431, then the connection closes.
     */
    @Test
    void tooManyHeadersIs431() throws Exception {
        start(b -> b.maxHeadersCount(5));
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET / HTTP/1.1\r\nHost: a\r\nx-h1: v\r\nx-h2: v\r\nx-h3: v\r\nx-h4: v\r\n\r\n");
            assertEquals(200, c.read().status(), "five lines are within five");
            StringBuilder req = new StringBuilder("GET / HTTP/1.1\r\nHost: a\r\n");
            for (int i = 0; i < 5; i++) {
                req.append("x-h").append(i).append(": v\r\n");
            }
            c.send(req.append("\r\n").toString());
            RawHttp.Response r = c.read();
            assertEquals(431, r.status());
            assertEquals("close", r.header("connection"));
            assertTrue(c.closedByPeer());
        }
        assertEquals(200, logged().responseCode);
        assertEquals("http1.too_many_headers", logged().responseCodeDetails);
        assertEquals(1.0, server.hcm.stats.downstreamCxProtocolError.count());
    }

    /**
     * With enable_trailers, Envoy's codec counts a trailer section on its own against
     * max_headers_count (completeCurrentHeader, "trailers count exceeds limit"): past it 431
     * http1.too_many_headers and the connection closes (was: the trailers went on).
     */
    @Test
    void tooManyTrailersIs431() throws Exception {
        start(b -> b.maxHeadersCount(3).http1EnableTrailers(true));
        String post = "POST / HTTP/1.1\r\nHost: a\r\nx-test: buffer\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n";
        try (RawHttp c = new RawHttp(server.port)) {
            c.send(post.replace("x-test: buffer", "x-h: v") + "x-a: 1\r\nx-b: 2\r\nx-c: 3\r\n\r\n");
            assertEquals(200, c.read().status(), "three trailers are within three");
            assertEquals(200, logged().responseCode);
            c.send(post + "x-a: 1\r\nx-b: 2\r\nx-c: 3\r\nx-d: 4\r\n\r\n");
            RawHttp.Response r = c.read();
            assertEquals(431, r.status());
            assertEquals("close", r.header("connection"));
            assertTrue(c.closedByPeer());
        }
        assertEquals("http1.too_many_headers", logged().responseCodeDetails);
        assertEquals(1.0, server.hcm.stats.downstreamCxProtocolError.count());
    }

    @Test
    void idleConnectionIsClosed() throws Exception {
        start(b -> b.idle(Duration.ofMillis(200)));
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            assertEquals(200, c.read().status());
            assertTrue(c.closedByPeer());
        }
    }

    @Test
    void headResponseHasNoBody() throws Exception {
        start(b -> b);
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("HEAD /direct HTTP/1.1\r\nHost: a\r\n\r\nGET /after HTTP/1.1\r\nHost: a\r\n\r\n");
            String status = null;
            RawHttp.Response head = c.readHead();
            assertEquals(200, head.status());
            assertEquals("11", head.header("content-length"));
            RawHttp.Response next = c.read();
            assertEquals("/after", next.header("x-seen-path"));
        }
    }

    @Test
    void slowReaderRaisesAndLowersTheDownstreamWatermark() throws Exception {
        start(b -> b);
        try (RawHttp c = new RawHttp(server.port)) {
            c.socket.setReceiveBufferSize(64 * 1024);
            c.send("GET /flood HTTP/1.1\r\nHost: a\r\nx-test: flood\r\n\r\n");
            assertEquals("above", TestFilter.EVENTS.poll(5, TimeUnit.SECONDS));
            RawHttp.Response r = c.read();
            assertEquals(200, r.status());
            assertTrue(r.body().endsWith("END"));
            assertEquals("below", TestFilter.EVENTS.poll(5, TimeUnit.SECONDS));
        }
    }
}
