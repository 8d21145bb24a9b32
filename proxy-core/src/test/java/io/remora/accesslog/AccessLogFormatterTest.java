package io.remora.accesslog;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AccessLogFormatterTest {

    private static String isoStart(StreamInfo i) {
        return DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC)
                .format(Instant.ofEpochMilli(i.startMillis));
    }

    static StreamInfo http() {
        StreamInfo i = new StreamInfo();
        Http2Headers req = new DefaultHttp2Headers();
        req.method("POST").path("/api/v1/locations").authority("locations").scheme("http");
        req.add("x-forwarded-for", "10.0.35.28");
        req.add("user-agent", "nsq2http");
        req.add("x-request-id", "cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2");
        i.requestHeaders = req;
        Http2Headers resp = new DefaultHttp2Headers();
        resp.status("204");
        resp.add("x-envoy-upstream-service-time", "100");
        i.responseHeaders = resp;
        i.protocol = "HTTP/2";
        i.responseCode = 204;
        i.bytesReceived = 154;
        i.bytesSent = 0;
        i.durationNanos = 226_400_000L;
        i.upstreamHost = new InetSocketAddress("10.0.2.1", 80);
        i.upstreamCluster = "locations_cluster";
        i.downstreamRemoteAddress = new InetSocketAddress("10.0.35.28", 51234);
        i.downstreamLocalAddress = new InetSocketAddress("10.0.0.5", 8080);
        return i;
    }

    @Test
    void envoyDefaultFormatByteForByte() {
        StreamInfo i = http();
        String line = AccessLogFormatter.text(null).format(i);
        assertEquals("[" + isoStart(i) + "] \"POST /api/v1/locations HTTP/2\" 204 - 154 0 226 100 \"10.0.35.28\" "
                + "\"nsq2http\" \"cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2\" \"locations\" \"10.0.2.1:80\"\n", line);
    }

    @Test
    void defaultFormatFromDedicatedFieldsAndFlags() {
        StreamInfo i = new StreamInfo();
        i.method("GET");
        i.path("/new");
        i.originalPath("/old");
        i.authority("example.com");
        i.userAgent("curl/8.5.0");
        i.requestId("abc");
        i.protocol = "HTTP/1.1";
        i.responseCode = 503;
        i.setFlag(ResponseFlag.NO_HEALTHY_UPSTREAM);
        i.setFlag(ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED);
        i.durationNanos = 1_999_999L;
        String line = AccessLogFormatter.text(AccessLogFormatter.DEFAULT_FORMAT).format(i);
        assertEquals("[" + isoStart(i) + "] \"GET /old HTTP/1.1\" 503 UH,URX 0 0 1 - \"-\" \"curl/8.5.0\" \"abc\" "
                + "\"example.com\" \"-\"\n", line);
    }

    @Test
    void reqWithoutQueryAndExtensionCommands() {
        StreamInfo i = new StreamInfo();
        i.path("/search?q=secret");
        assertEquals("/search /sea -", AccessLogFormatter.text(
                "%REQ_WITHOUT_QUERY(:PATH)% %REQ_WITHOUT_QUERY(:PATH):4% %REQ_WITHOUT_QUERY(x-none)%").format(i));
        FormatterCommand upper = (name, arg) -> name.equals("UP") ? s -> arg.toUpperCase() : null;
        assertEquals("AB|A|/search?q=secret", AccessLogFormatter.text("%UP(ab)%|%UP(ab):1%|%REQ(:PATH)%", false,
                java.util.List.of(upper)).format(i));
    }

    @Test
    void omitEmptyValuesAndTheLocalReplyBody() {
        StreamInfo i = http();
        String f = "a=%REQ(x-none)% b=%RESPONSE_CODE% c=%LOCAL_REPLY_BODY%.";
        assertEquals("a=- b=204 c=.", AccessLogFormatter.text(f).format(i), "the body is never \"-\"");
        assertEquals("a= b=204 c=.", AccessLogFormatter.text(f, true).format(i));
        i.localReplyBody("no route");
        assertEquals("a= b=204 c=no route.", AccessLogFormatter.text(f, true).format(i));
        java.util.Map<String, String> json = new java.util.LinkedHashMap<>();
        json.put("none", "%REQ(x-none)%");
        json.put("code", "%RESPONSE_CODE%");
        json.put("body", "%LOCAL_REPLY_BODY%");
        // Keys sorted, as Envoy's JSON formatter always writes them.
        assertEquals("{\"body\":\"no route\",\"code\":204,\"none\":null}\n", AccessLogFormatter.json(json).format(i));
        assertEquals("{\"body\":\"no route\",\"code\":204}\n", AccessLogFormatter.json(json, true).format(i));
    }

    @Test
    void directRemoteAddressIsTheSocketPeer() {
        StreamInfo i = http();
        i.downstreamRemoteAddress = new InetSocketAddress("203.0.113.9", 0);
        i.downstreamDirectRemoteAddress = new InetSocketAddress("2001:db8:0:0:0:0:0:7", 40000);
        i.upstreamLocalAddress = new InetSocketAddress("10.0.0.5", 41000);
        assertEquals("203.0.113.9:0 [2001:db8::7]:40000 2001:db8::7 40000 10.0.0.5 41000",
                AccessLogFormatter.text("%DOWNSTREAM_REMOTE_ADDRESS% %DOWNSTREAM_DIRECT_REMOTE_ADDRESS% "
                        + "%DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT% %DOWNSTREAM_DIRECT_REMOTE_PORT% "
                        + "%UPSTREAM_LOCAL_ADDRESS_WITHOUT_PORT% %UPSTREAM_LOCAL_PORT%").format(i));
    }

    @Test
    void grpcStatusOfGrpcRequestsOnly() {
        StreamInfo i = http();
        String f = "%GRPC_STATUS% %GRPC_STATUS(SNAKE_STRING)% %GRPC_STATUS(NUMBER)% %GRPC_STATUS_NUMBER% %STREAM_ID%";
        assertEquals("- - - - cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2", AccessLogFormatter.text(f).format(i),
                "not a gRPC request");
        i.requestHeaders.set("content-type", "application/grpc+proto");
        i.responseTrailers = new DefaultHttp2Headers().add("grpc-status", "5");
        assertEquals("NotFound NOT_FOUND 5 5", first4(AccessLogFormatter.text(f).format(i)));
        i.responseTrailers = null;
        i.responseHeaders = new DefaultHttp2Headers().status("200").add("grpc-status", "16");
        assertEquals("Unauthenticated UNAUTHENTICATED 16 16", first4(AccessLogFormatter.text(f).format(i)));
        i.responseHeaders = new DefaultHttp2Headers().status("503");
        i.responseCode = 503;
        assertEquals("Unavailable UNAVAILABLE 14 14", first4(AccessLogFormatter.text(f).format(i)),
                "mapped from the HTTP status");
        assertEquals("{\"s\":14}", AccessLogFormatter.json(java.util.Map.of("s", "%GRPC_STATUS(NUMBER)%")).format(i).trim());
        // Envoy's GrpcStatusFormatter (user-defined codes allowed): a code without a name is its number,
        // an unreadable one InvalidCode, -1; an empty one is no status (the HTTP status decides).
        i.responseTrailers = new DefaultHttp2Headers().add("grpc-status", "42");
        assertEquals("42 42 42 42", first4(AccessLogFormatter.text(f).format(i)));
        i.responseTrailers = new DefaultHttp2Headers().add("grpc-status", "x1");
        assertEquals("-1 -1 -1 -1", first4(AccessLogFormatter.text(f).format(i)));
        assertEquals("{\"s\":-1}", AccessLogFormatter.json(java.util.Map.of("s", "%GRPC_STATUS(NUMBER)%")).format(i).trim());
        i.responseTrailers = new DefaultHttp2Headers().add("grpc-status", "");
        assertEquals("Unavailable UNAVAILABLE 14 14", first4(AccessLogFormatter.text(f).format(i)));
        // application/grpc;... is not gRPC to Envoy's isGrpcRequestHeaders
        i.requestHeaders.set("content-type", "application/grpc;charset=utf-8");
        assertEquals("- - - -", first4(AccessLogFormatter.text(f).format(i)));
    }

    private static String first4(String line) {
        return String.join(" ", java.util.Arrays.asList(line.split(" ")).subList(0, 4));
    }

    @Test
    void tcpHasNoHttpValues() {
        StreamInfo i = new StreamInfo();
        i.bytesReceived = 10;
        i.bytesSent = 20;
        i.upstreamCluster = "db";
        i.upstreamHost = new InetSocketAddress("::1", 5432);
        i.durationNanos = 7_000_000;
        String line = AccessLogFormatter.text("%REQ(:METHOD)% %PROTOCOL% %RESPONSE_CODE% %DURATION% %UPSTREAM_CLUSTER% "
                + "%UPSTREAM_HOST% %BYTES_RECEIVED% %BYTES_SENT%\n").format(i);
        assertEquals("- - 0 7 db [::1]:5432 10 20\n", line);
    }

    /**
     * Envoy's HeaderFormatter: a header that is there prints its value, an empty one as nothing
     * (JSON ""), only a missing one as "-" (null); REQ_WITHOUT_QUERY alike.
     */
    @Test
    void anEmptyHeaderPrintsEmptyNotDash() {
        StreamInfo i = http();
        i.requestHeaders.add("x-empty", "");
        i.responseHeaders.add("x-empty", "");
        assertEquals("[] [] [] [-]", AccessLogFormatter.text("[%REQ(X-EMPTY)%] [%RESP(x-empty)%] "
                + "[%REQ_WITHOUT_QUERY(x-empty)%] [%REQ(x-none)%]").format(i));
        Map<String, String> f = new LinkedHashMap<>();
        f.put("empty", "%REQ(x-empty)%");
        f.put("none", "%REQ(x-none)%");
        assertEquals("{\"empty\":\"\",\"none\":null}\n", AccessLogFormatter.json(f).format(i));
        assertEquals("{\"empty\":\"\"}\n", AccessLogFormatter.json(f, true).format(i));
    }

    /**
     * Envoy's request header map answers a lookup of "host" with :authority (the legacy name's
     * special case), so %REQ(HOST)% prints the authority; a response has no such alias.
     */
    @Test
    void reqHostIsTheAuthority() {
        StreamInfo i = http();
        i.responseHeaders.add("x-h", "r");
        assertEquals("locations locations locations - r", AccessLogFormatter.text(
                "%REQ(HOST)% %REQ(x-none?Host)% %REQUEST_HEADER(host):20% %RESP(host)% %RESP(host?x-h)%").format(i));
    }

    /**
     * Envoy's JSON sanitizer (nlohmann's serializer) writes JSON's short escapes for backspace and
     * form feed, and the hex escape for the other control characters.
     */
    @Test
    void jsonStringsEscapeControlCharactersAsEnvoys() {
        StreamInfo i = http();
        i.responseCodeDetails = "a\b\f\t\u0001\"\\z";
        assertEquals("{\"v\":\"a\\b\\f\\t\\u0001\\\"\\\\z\"}\n",
                AccessLogFormatter.json(Map.of("v", "%RESPONSE_CODE_DETAILS(ALLOW_WHITESPACES)%")).format(i));
    }

    /**
     * Envoy's EnvironmentFormatter reads the variable once and holds "-" when it is unset: a value
     * like any other, so a JSON log has the string "-" (not null) and omit_empty_values keeps it.
     */
    @Test
    void anUnsetEnvironmentVariableIsTheTextDashEverywhere() {
        String unset = "REMORA_TEST_UNSET_" + Long.toHexString(System.nanoTime());
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv(unset) == null && System.getenv("PATH") != null);
        StreamInfo i = new StreamInfo();
        assertEquals("[-] [-]", AccessLogFormatter.text("[%ENVIRONMENT(" + unset + ")%] [%ENVIRONMENT(" + unset + "):0%]")
                .format(i));
        assertEquals("[-]", AccessLogFormatter.text("[%ENVIRONMENT(" + unset + ")%]", true).format(i));
        Map<String, String> f = new LinkedHashMap<>();
        f.put("path", "%ENVIRONMENT(PATH):4%");
        f.put("unset", "%ENVIRONMENT(" + unset + ")%");
        String path4 = System.getenv("PATH").substring(0, Math.min(4, System.getenv("PATH").length()));
        assertEquals("{\"path\":\"" + path4 + "\",\"unset\":\"-\"}\n", AccessLogFormatter.json(f).format(i));
        assertEquals("{\"path\":\"" + path4 + "\",\"unset\":\"-\"}\n", AccessLogFormatter.json(f, true).format(i));
    }

    /**
     * Envoy logs the SNI through StringUtil::sanitizeInvalidHostname: a name with a byte other than
     * a letter, digit, '.', '-' or '_' has each such byte as '_' and the prefix "invalid:"; a valid
     * one (Istio's outbound_.80_._.svc names too) is as sent.
     */
    @Test
    void theRequestedServerNameIsSanitizedAsEnvoys() {
        StreamInfo i = http();
        i.requestedServerName("outbound_.80_._.api-1.example.com");
        assertEquals("outbound_.80_._.api-1.example.com", AccessLogFormatter.text("%REQUESTED_SERVER_NAME%").format(i));
        i.requestedServerName("a\"b c_d.example\u0001");
        assertEquals("invalid:a_b_c_d.example_ invalid:a_b_c_d.example_",
                AccessLogFormatter.text("%REQUESTED_SERVER_NAME% %REQUESTED_SERVER_NAME(HOST_FIRST:ORIG)%").format(i));
        Map<String, String> f = new LinkedHashMap<>();
        f.put("sni", "%REQUESTED_SERVER_NAME%");
        assertEquals("{\"sni\":\"invalid:a_b_c_d.example_\"}\n", AccessLogFormatter.json(f).format(i));
    }

    /**
     * Envoy's %DURATION% is the stream info's currentDuration: before the stream ends (a
     * DownstreamStart, periodic or TcpUpstreamConnected entry) the time since its start, never "-".
     */
    @Test
    void durationOfAStreamStillGoingIsItsTimeSoFar() {
        StreamInfo i = new StreamInfo();
        i.startNanos = System.nanoTime() - java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(250);
        long ms = Long.parseLong(AccessLogFormatter.text("%DURATION%").format(i));
        assertTrue(ms >= 250 && ms < 60_000, "time so far: " + ms);
        Map<String, String> f = new LinkedHashMap<>();
        f.put("duration", "%DURATION%");
        assertTrue(AccessLogFormatter.json(f).format(i).matches("\\{\"duration\":\\d+}\n"));
    }

    /**
     * Envoy formats a time with absl::FormatTime, which takes strftime's conversions (C locale)
     * and its own %E ones; Remora printed the ones it did not know as written.
     */
    @Test
    void startTimeTakesStrftimeAndAbslConversions() {
        StreamInfo i = new StreamInfo();
        i.startMillis = 1767503167089L; // Sunday 2026-01-04 05:06:07.089 UTC
        assertEquals("20|Sun Jan  4 05:06:07 2026|26|2026| 5| 5|am|05:06:07 AM|\t|7|01|01|0|00|01/04/26|05:06:07",
                AccessLogFormatter.text("%START_TIME(%C|%c|%g|%G|%k|%l|%P|%r|%t|%u|%U|%V|%w|%W|%x|%X)%").format(i));
        assertEquals("+00:00 +00:00:00 07.089 089 2026 2026-01-04T05",
                AccessLogFormatter.text("%START_TIME(%Ez %E*z %E*S %E3f %E4Y %Y-%m-%dT%H)%").format(i));
        i.startMillis = 1798736767500L; // Thursday 2026-12-31 17:06:07.5 UTC: ISO week 53
        assertEquals("Thu Dec 31 17:06:07 2026|17| 5|pm|4|52|53|4|52|07.5",
                AccessLogFormatter.text("%START_TIME(%c|%k|%l|%P|%u|%U|%V|%w|%W|%E*S)%").format(i));
        i.startMillis = 1798736767000L;
        assertEquals("07 2026T", AccessLogFormatter.text("%START_TIME(%E*S %Y%ET)%").format(i));
    }

    @Test
    void operatorsAndStartTimeFormats() {
        StreamInfo i = http();
        i.responseTrailers = new DefaultHttp2Headers().add("grpc-status", "0");
        i.responseCodeDetails = "via_upstream";
        i.connectionTerminationDetails(null);
        i.routeName = "default";
        i.requestedServerName("outbound_.80_._.locations");
        i.upstreamLocalAddress = new InetSocketAddress("10.0.0.5", 40000);
        i.upstreamTransportFailureReason("delayed connect error: 111");
        i.setFlag(ResponseFlag.UPSTREAM_CONNECTION_FAILURE);
        String f = "%REQ(:PATH):4% %REQ(X-MISSING?User-Agent)% %RESP(:STATUS)% %TRAILER(GRPC-STATUS)% "
                + "%RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% %RESPONSE_FLAGS% %ROUTE_NAME% "
                + "%REQUESTED_SERVER_NAME% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% "
                + "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_PORT% "
                + "\"%UPSTREAM_TRANSPORT_FAILURE_REASON%\" %DYNAMIC_METADATA(istio.mixer:status)% 100%%";
        assertEquals("/api nsq2http 204 0 via_upstream - UF default outbound_.80_._.locations 10.0.0.5:40000 "
                + "10.0.35.28:51234 10.0.35.28 10.0.0.5:8080 8080 \"delayed_connect_error:_111\" - 100%",
                AccessLogFormatter.text(f).format(i));

        long secs = i.startMillis / 1000;
        String expected = DateTimeFormatter.ofPattern("yyyy/MM/dd'T'HH:mm:ss").withZone(ZoneOffset.UTC)
                .format(Instant.ofEpochMilli(i.startMillis)) + "+0000 " + secs + " "
                + String.format("%03d", i.startMillis % 1000) + " "
                + String.format("%03d000000", i.startMillis % 1000);
        assertEquals(expected, AccessLogFormatter.text("%START_TIME(%Y/%m/%dT%H:%M:%S%z %s %3f %f)%").format(i));
    }

    @Test
    void tlsJa3FingerprintIsTheConnectionsHash() {
        StreamInfo i = http();
        AccessLogFormatter f = AccessLogFormatter.text("%TLS_JA3_FINGERPRINT% %REQUESTED_SERVER_NAME%");
        assertEquals("- -", f.format(i));
        String hash = "3faa4ad39f690c4ef1c3160caa375465";
        i.fromConnection(new io.remora.network.ConnectionInfo("l", null, null, null, "a.example", "tls",
                java.util.List.of(), null, null, null, 7, io.remora.network.ConnectionInfo.DEFAULT_BUFFER_LIMIT, null,
                hash), null);
        assertEquals(hash + " a.example", f.format(i));
        i.filterChainName("chain"); // a stream's copy of the connection's view keeps the hash
        assertEquals(hash + " a.example", f.format(i));
        assertEquals("{\"ja3\":\"" + hash + "\"}\n",
                AccessLogFormatter.json(Map.of("ja3", "%TLS_JA3_FINGERPRINT%")).format(i));
    }

    @Test
    void jsonFormatKeepsTypes() {
        StreamInfo i = http();
        Map<String, String> f = new LinkedHashMap<>();
        f.put("start_time", "%START_TIME%");
        f.put("method", "%REQ(:METHOD)%");
        f.put("code", "%RESPONSE_CODE%");
        f.put("duration", "%DURATION%");
        f.put("missing", "%REQ(x-nope)%");
        f.put("flags", "%RESPONSE_FLAGS%");
        f.put("mixed", "%PROTOCOL% to \"%UPSTREAM_HOST%\"");
        f.put("const", "remora");
        assertEquals("{\"code\":204,\"const\":\"remora\",\"duration\":226,\"flags\":\"-\",\"method\":\"POST\","
                        + "\"missing\":null,\"mixed\":\"HTTP/2 to \\\"10.0.2.1:80\\\"\",\"start_time\":\"" + isoStart(i) + "\"}\n",
                AccessLogFormatter.json(f).format(i));
    }

    @Test
    void badFormatsAreRejectedAtCompileTime() {
        assertThrows(IllegalArgumentException.class, () -> AccessLogFormatter.text("%NOT_AN_OPERATOR%"));
        assertThrows(IllegalArgumentException.class, () -> AccessLogFormatter.text("%REQ%"));
        assertThrows(IllegalArgumentException.class, () -> AccessLogFormatter.text("%REQ(:PATH"));
        assertThrows(IllegalArgumentException.class, () -> AccessLogFormatter.text("%DURATION"));
        assertThrows(IllegalArgumentException.class, () -> AccessLogFormatter.text("%METADATA(NOPE:ns)%"));
        assertThrows(IllegalArgumentException.class, () -> AccessLogFormatter.text("%METADATA(DYNAMIC)%"));
    }

    /** Envoy's CommandSyntaxChecker flags per operator, and its parser's regex, with Envoy's messages. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "%PROTOCOL(x)%|PROTOCOL does not take any parameters or length",
            "%PROTOCOL:4%|PROTOCOL does not take any parameters or length",
            "%PROTOCOL:99999999999%|PROTOCOL does not take any parameters or length",
            "%RESPONSE_CODE(x)%|RESPONSE_CODE does not take any parameters or length",
            "%UPSTREAM_HOST:10%|UPSTREAM_HOST does not take any parameters or length",
            "%DOWNSTREAM_PEER_URI_SAN(x)%|DOWNSTREAM_PEER_URI_SAN does not take any parameters or length",
            "%LOCAL_REPLY_BODY:3%|LOCAL_REPLY_BODY does not take any parameters or length",
            "%TLS_JA3_FINGERPRINT(x)%|TLS_JA3_FINGERPRINT does not take any parameters or length",
            "%REQ%|REQ requires parameters",
            "%REQ()%|REQ requires parameters",
            "%RESP:3%|RESP requires parameters",
            "%TRAILER()%|TRAILER requires parameters",
            "%ENVIRONMENT%|ENVIRONMENT requires parameters",
            "%DYNAMIC_METADATA%|DYNAMIC_METADATA requires parameters",
            "%DYNAMIC_METADATA(ns:k):4%|DYNAMIC_METADATA does not allow length to be specified.",
            "%UPSTREAM_METADATA(ns:k):4%|UPSTREAM_METADATA does not allow length to be specified.",
            "%START_TIME:10%|START_TIME does not allow length to be specified.",
            "%START_TIME(%Y%n)%|Format string contains newline.",
            "%START_TIME(%-En)%|Format string contains newline.",
            "%GRPC_STATUS(NUMBER):2%|GRPC_STATUS does not allow length to be specified.",
            "%DOWNSTREAM_PEER_CERT_V_START:3%|DOWNSTREAM_PEER_CERT_V_START does not allow length to be specified.",
            "%REQ(a?b?c)%|More than 1 alternative header specified in token: a?b?c",
            "%REQ(x y)%|Format string contains invalid characters.",
            "%FILTER_STATE%|key cannot be empty",
            "%UPSTREAM_FILTER_STATE(k:JSON)%|only PLAIN/TYPED/FIELD",
            "%NOPE%|Not supported field in StreamInfo: NOPE",
            "a %PROTOCOL|Couldn't find valid command at position 2",
            "%PROTOCOL:%|Couldn't find valid command at position 0",
            "%PROTOCOL:4x%|Couldn't find valid command at position 0",
            "%REQ(x%|Couldn't find valid command at position 0",
            "%req(x)%|Couldn't find valid command at position 0",
            "%PROTOCOL:99999999999999999999%|Couldn't find valid command at position 0",
            "100%|Couldn't find valid command at position 3",
    })
    void formatsEnvoyRefusesAreRefusedWithItsMessage(String format, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AccessLogFormatter.text(format));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"%PROTOCOL()%", "%REQ(:PATH):3%", "%RESP(x?y):1%", "%TRAILER(grpc-status)%",
            "%ENVIRONMENT(HOME):2%", "%FILTER_STATE(k:PLAIN):5%", "%UPSTREAM_FILTER_STATE(k):5%",
            "%RESPONSE_CODE_DETAILS(ALLOW_WHITESPACES)%", "%GRPC_STATUS(SNAKE_STRING)%", "%START_TIME(%s.%3f)%",
            "%DOWNSTREAM_PEER_CERT_V_END(%Y)%", "%DYNAMIC_METADATA(ns:a:b)%", "%METADATA(ROUTE:ns):4%",
            "%REQ_WITHOUT_QUERY(:PATH):4%", "100%% %PROTOCOL%"})
    void formatsEnvoyAcceptsAreAccepted(String format) {
        AccessLogFormatter.text(format);
    }

    /** Envoy's regex reads the shortest subcommand that a ')' and the closing '%' (or ":N%") end. */
    @Test
    void aSubcommandEndsAtTheFirstParenthesisThatClosesTheCommand() {
        StreamInfo i = http();
        String hour = DateTimeFormatter.ofPattern("HH").withZone(ZoneOffset.UTC).format(Instant.ofEpochMilli(i.startMillis));
        assertEquals("[" + hour + ")x]", AccessLogFormatter.text("[%START_TIME(%H)x)%]").format(i));
        assertEquals("[" + hour + ") /ap]", AccessLogFormatter.text("[%START_TIME(%H))% %REQ(:PATH):3%]").format(i));
    }

    @Test
    void responseCodeDetailsReplaceWhitespaceUnlessAllowed() {
        StreamInfo i = http();
        i.responseCodeDetails = "ext_authz error\tdenied";
        assertEquals("ext_authz_error_denied|ext_authz error\tdenied", AccessLogFormatter.text(
                "%RESPONSE_CODE_DETAILS%|%RESPONSE_CODE_DETAILS(ALLOW_WHITESPACES)%").format(i));
    }

    @Test
    void certificateValidityTakesATimeFormat() {
        assertEquals("-", AccessLogFormatter.text("%DOWNSTREAM_PEER_CERT_V_START(%Y)%").format(http()));
    }

    /**
     * Envoy's JSON formatter with omit_empty_values (envoyproxy/envoy#46262, fixing #37941): a key
     * whose value is null goes, a literal null too, and an object left empty with its key; a list
     * stays, empty or not, and the root object is always written.
     */
    @Test
    void omitEmptyValuesLeavesOutObjectsLeftEmpty() {
        StreamInfo i = http();
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("a", "%REQ(x-none)%");
        inner.put("b", Map.of("c", "%REQ(x-none)%"));
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("code", "%RESPONSE_CODE%");
        f.put("data", inner);
        f.put("list", java.util.List.of());
        f.put("none", null);
        assertEquals("{\"code\":204,\"data\":{\"a\":null,\"b\":{\"c\":null}},\"list\":[],\"none\":null}\n",
                AccessLogFormatter.json(f).format(i));
        assertEquals("{\"code\":204,\"list\":[]}\n", AccessLogFormatter.json(f, true).format(i));
        assertEquals("{}\n", AccessLogFormatter.json(Map.of("x", "%REQ(x-none)%"), true).format(i));
    }

    /** Envoy's JSON formatter renders nested objects and lists in place, and constants as they are. */
    @Test
    void nestedJsonFormatsRenderAsNestedJson() {
        StreamInfo i = http();
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("method", "%REQ(:METHOD)%");
        request.put("line", "%REQ(:METHOD)% %REQ(:PATH)%");
        request.put("missing", "%REQ(x-none)%");
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("request", request);
        f.put("codes", java.util.List.of("%RESPONSE_CODE%", 7.0, "text"));
        f.put("version", 2.0);
        f.put("ratio", 0.25);
        f.put("live", true);
        f.put("none", null);
        assertEquals("{\"codes\":[204,7,\"text\"],\"live\":true,\"none\":null,\"ratio\":0.25,"
                + "\"request\":{\"line\":\"POST /api/v1/locations\",\"method\":\"POST\",\"missing\":null},\"version\":2}\n",
                AccessLogFormatter.json(f).format(i));
        // omit_empty_values leaves out missing leaves at every depth and literal nulls; other constants stay.
        assertEquals("{\"codes\":[204,7,\"text\"],\"live\":true,\"ratio\":0.25,"
                + "\"request\":{\"line\":\"POST /api/v1/locations\",\"method\":\"POST\"},\"version\":2}\n",
                AccessLogFormatter.json(f, true).format(i));
        request.put("bad", "%REQ%");
        assertThrows(IllegalArgumentException.class, () -> AccessLogFormatter.json(f));
    }

    /** Envoy renders a metadata value in a JSON log with its own type, and ignores the length there. */
    @Test
    void metadataKeepsItsTypeInJsonLogs() {
        StreamInfo i = http();
        i.setDynamicMetadata("ns", "count", 42.0);
        i.setDynamicMetadata("ns", "ratio", 0.5);
        i.setDynamicMetadata("ns", "on", true);
        i.setDynamicMetadata("ns", "name", "shop");
        i.setDynamicMetadata("ns", "tags", java.util.List.of("a", 1.0));
        Map<String, String> f = new LinkedHashMap<>();
        f.put("count", "%DYNAMIC_METADATA(ns:count)%");
        f.put("ratio", "%METADATA(DYNAMIC:ns:ratio)%");
        f.put("on", "%DYNAMIC_METADATA(ns:on)%");
        f.put("name", "%METADATA(DYNAMIC:ns:name):2%");
        f.put("tags", "%DYNAMIC_METADATA(ns:tags)%");
        f.put("missing", "%DYNAMIC_METADATA(ns:nope)%");
        f.put("text", "n=%DYNAMIC_METADATA(ns:count)%");
        assertEquals("{\"count\":42,\"missing\":null,\"name\":\"shop\",\"on\":true,\"ratio\":0.5,\"tags\":[\"a\",1],"
                + "\"text\":\"n=42\"}\n", AccessLogFormatter.json(f).format(i));
        assertEquals("42 0.5 true sh [\"a\",1]", AccessLogFormatter.text("%DYNAMIC_METADATA(ns:count)% "
                + "%METADATA(DYNAMIC:ns:ratio)% %DYNAMIC_METADATA(ns:on)% %METADATA(DYNAMIC:ns:name):2% "
                + "%DYNAMIC_METADATA(ns:tags)%").format(i));
        Map<String, String> nested = new LinkedHashMap<>();
        nested.put("all", "%DYNAMIC_METADATA(ns)%");
        assertTrue(AccessLogFormatter.json(nested).format(i).startsWith("{\"all\":{\"count\":42,"), "an object, not a string");
    }

    @Test
    void idsAreNumbersAndMetadataReadsItsSource() {
        StreamInfo i = http();
        i.connectionId = 5;
        i.upstreamConnection = UpstreamConnectionFacts.of(7);
        i.traceId("4bf92f3577b34da6a3ce929d0e0e4736");
        i.filterChainName("inbound|8080||");
        i.setDynamicMetadata("envoy.filters.http.rbac", "shadow_engine_result", "denied");
        i.upstreamHostMetadata = ns -> ns.equals("envoy.lb") ? Map.of("canary", true) : Map.of();
        assertEquals("5 7 4bf92f3577b34da6a3ce929d0e0e4736 inbound|8080|| denied true {\"canary\":true} - - -",
                AccessLogFormatter.text("%CONNECTION_ID% %UPSTREAM_CONNECTION_ID% %TRACE_ID% %FILTER_CHAIN_NAME% "
                        + "%METADATA(DYNAMIC:envoy.filters.http.rbac:shadow_engine_result)% "
                        + "%UPSTREAM_METADATA(envoy.lb:canary)% %METADATA(UPSTREAM_HOST:envoy.lb)% "
                        + "%UPSTREAM_METADATA(istio)% %CLUSTER_METADATA(istio)% %VIRTUAL_CLUSTER_NAME%").format(i));
        i.routeMetadata(Map.of("istio", Map.of("config", "/vs/orders")), Map.of("acme", Map.of("team", "shop")));
        assertEquals("/vs/orders {\"team\":\"shop\"} - -", AccessLogFormatter.text("%METADATA(ROUTE:istio:config)% "
                + "%METADATA(VIRTUAL_HOST:acme)% %METADATA(ROUTE:acme)% %METADATA(LISTENER:istio)%").format(i));
        Map<String, String> f = new LinkedHashMap<>();
        f.put("conn", "%CONNECTION_ID%");
        f.put("up", "%UPSTREAM_CONNECTION_ID%");
        assertEquals("{\"conn\":5,\"up\":7}\n", AccessLogFormatter.json(f).format(i));
        // Envoy's StreamInfoUInt64FormatterProvider over connectionID().value_or(0): 0 without one.
        StreamInfo tcp = new StreamInfo();
        assertEquals("0 0 -", AccessLogFormatter.text("%CONNECTION_ID% %UPSTREAM_CONNECTION_ID% %TRACE_ID%").format(tcp));
        assertEquals("{\"conn\":0,\"up\":0}\n", AccessLogFormatter.json(f).format(tcp));
        assertEquals("-", AccessLogFormatter.text("%SPAN_ID%").format(tcp));
        String a = AccessLogFormatter.text("%UNIQUE_ID%").format(tcp);
        assertEquals(36, a.length());
        assertNotEquals(a, AccessLogFormatter.text("%UNIQUE_ID%").format(tcp));
    }

    /** Envoy's TYPED serialization of a string object is a StringValue's JSON: quoted in text, a string in JSON. */
    @Test
    void aStringObjectsTypedFormIsAJsonStringInTextAndAStringInJson() {
        record Tenant(String value) implements FilterStateString {
            @Override
            public String toString() {
                return value;
            }
        }
        StreamInfo i = new StreamInfo();
        io.remora.network.FilterState state = new io.remora.network.FilterState(null);
        state.set("tenant", new Tenant("a\"cme"), io.remora.network.FilterState.Mutability.READ_ONLY);
        state.set("raw", "acme", io.remora.network.FilterState.Mutability.READ_ONLY);
        i.filterState(state);
        assertEquals("\"a\\\"cme\" \"a\\\"cme\" a\"cme acme", AccessLogFormatter.text(
                "%FILTER_STATE(tenant)% %FILTER_STATE(tenant:TYPED)% %FILTER_STATE(tenant:PLAIN)% %FILTER_STATE(raw)%")
                .format(i));
        Map<String, String> json = new LinkedHashMap<>();
        json.put("t", "%FILTER_STATE(tenant)%");
        assertEquals("{\"t\":\"a\\\"cme\"}\n", AccessLogFormatter.json(json).format(i));
    }

    /** Envoy's %UPSTREAM_CLUSTER% is the cluster's observability name (alt_stat_name); _RAW is its name. */
    @Test
    void upstreamClusterIsTheAltStatNameAndRawIsTheName() {
        StreamInfo i = new StreamInfo();
        i.upstreamCluster("outbound|80||web", io.remora.config.ClusterConfig.builder("outbound|80||web")
                .altStatName("web_80").build());
        assertEquals("web_80 outbound|80||web", AccessLogFormatter.text("%UPSTREAM_CLUSTER% %UPSTREAM_CLUSTER_RAW%")
                .format(i));
        i.upstreamCluster("plain", io.remora.config.ClusterConfig.builder("plain").build());
        assertEquals("plain plain", AccessLogFormatter.text("%UPSTREAM_CLUSTER% %UPSTREAM_CLUSTER_RAW%").format(i));
        i.upstreamCluster(null, null);
        assertEquals("- -", AccessLogFormatter.text("%UPSTREAM_CLUSTER% %UPSTREAM_CLUSTER_RAW%").format(i));
    }

    /** Envoy's long response flag names, comma-joined in the short codes' order; "-" when none. */
    @Test
    void responseFlagsLong() {
        StreamInfo i = http();
        assertEquals("-", AccessLogFormatter.text("%RESPONSE_FLAGS_LONG%").format(i));
        i.setFlag(ResponseFlag.NO_ROUTE_FOUND);
        i.setFlag(ResponseFlag.OVERLOAD_MANAGER);
        assertEquals("NoRouteFound,OverloadManagerTerminated NR,OM",
                AccessLogFormatter.text("%RESPONSE_FLAGS_LONG% %RESPONSE_FLAGS%").format(i));
    }

    @Test
    void upstreamRemoteAddressHostNameAndProtocol() {
        StreamInfo i = http();
        String f = "%UPSTREAM_REMOTE_ADDRESS_WITHOUT_PORT% %UPSTREAM_REMOTE_PORT% %UPSTREAM_HOST_NAME% "
                + "%UPSTREAM_HOST_NAME_WITHOUT_PORT% %UPSTREAM_PROTOCOL%";
        // No hostname: the host's address, as Envoy's; no pool protocol yet: "-".
        assertEquals("10.0.2.1 80 10.0.2.1:80 10.0.2.1 -", AccessLogFormatter.text(f).format(i));
        i.upstreamHostName = "web.example.com";
        i.upstreamConnection = new UpstreamConnectionFacts() {
            @Override
            public long connectionId() {
                return 3;
            }

            @Override
            public String protocol() {
                return "HTTP/1.1";
            }
        };
        i.upstreamRemoteAddress(new InetSocketAddress("2001:db8::9", 8443));
        assertEquals("2001:db8::9 8443 web.example.com web.example.com HTTP/1.1", AccessLogFormatter.text(f).format(i));
        i.upstreamHostName = null;
        i.upstreamHost = new InetSocketAddress("2001:db8::9", 8443);
        assertEquals("[2001:db8::9]:8443 [2001:db8::9]",
                AccessLogFormatter.text("%UPSTREAM_HOST_NAME% %UPSTREAM_HOST_NAME_WITHOUT_PORT%").format(i));
        Map<String, String> json = new LinkedHashMap<>();
        json.put("port", "%UPSTREAM_REMOTE_PORT%");
        json.put("proto", "%UPSTREAM_PROTOCOL%");
        assertEquals("{\"port\":8443,\"proto\":\"HTTP/1.1\"}\n", AccessLogFormatter.json(json).format(i));
        assertEquals("- - - - -", AccessLogFormatter.text(f).format(new StreamInfo()));
    }

    @ParameterizedTest
    @CsvSource({"web.example.com:8080,web.example.com", "web.example.com,web.example.com", "[::1]:80,[::1]",
            "[::1],[::1]", "host:abc,host:abc", "host:,host:"})
    void hostNameWithoutPortStripsANumericPortAsEnvoy(String host, String stripped) {
        assertEquals(stripped, AddressOperators.withoutPort(host));
    }

    /** The socket's own local address; the restored original destination is %DOWNSTREAM_LOCAL_ADDRESS%. */
    @Test
    void directLocalAddressIsTheSocketsOwn() {
        StreamInfo i = http();
        String f = "%DOWNSTREAM_DIRECT_LOCAL_ADDRESS% %DOWNSTREAM_DIRECT_LOCAL_ADDRESS_WITHOUT_PORT% "
                + "%DOWNSTREAM_DIRECT_LOCAL_PORT% %DOWNSTREAM_LOCAL_ADDRESS%";
        i.downstreamDirectLocalAddress(new InetSocketAddress("10.0.0.5", 8080)); // the same: nothing kept
        assertEquals("10.0.0.5:8080 10.0.0.5 8080 10.0.0.5:8080", AccessLogFormatter.text(f).format(i));
        i.downstreamDirectLocalAddress(new InetSocketAddress("127.0.0.1", 15001));
        assertEquals("127.0.0.1:15001 127.0.0.1 15001 10.0.0.5:8080", AccessLogFormatter.text(f).format(i));
    }

    @Test
    void startTimeLocalAndEmitTime() {
        StreamInfo i = http();
        java.time.ZonedDateTime local = Instant.ofEpochMilli(i.startMillis).atZone(java.time.ZoneId.systemDefault());
        assertEquals(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSxx").format(local) + " "
                        + DateTimeFormatter.ofPattern("HH xx").format(local),
                AccessLogFormatter.text("%START_TIME_LOCAL% %START_TIME_LOCAL(%H %z)%").format(i));
        long before = System.currentTimeMillis() / 1000;
        long emitted = Long.parseLong(AccessLogFormatter.text("%EMIT_TIME(%s)%").format(i));
        assertTrue(emitted >= before && emitted <= System.currentTimeMillis() / 1000, "emit time " + emitted);
        assertTrue(AccessLogFormatter.text("%EMIT_TIME%").format(i).matches("\\d{4}-\\d\\d-\\d\\dT[0-9:.]{12}Z"));
        assertTrue(AccessLogFormatter.text("%EMIT_TIME_LOCAL%").format(i).matches("\\d{4}-.*[+-]\\d{4}"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"%UPSTREAM_PROTOCOL(x)%", "%RESPONSE_FLAGS_LONG:3%", "%UPSTREAM_HOST_NAME(a)%",
            "%DOWNSTREAM_DIRECT_LOCAL_PORT:2%"})
    void newOperatorsTakeNoParameters(String format) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AccessLogFormatter.text(format));
        assertTrue(e.getMessage().contains("does not take any parameters or length"), e.getMessage());
    }

    /** Envoy's durations: milliseconds between the stream's recorded moments, "-" when one is missing. */
    @Test
    void durationsBetweenTheStreamsMoments() throws InterruptedException {
        AccessLogFormatter f = AccessLogFormatter.text("%REQUEST_DURATION% %REQUEST_TX_DURATION% %RESPONSE_TX_DURATION% "
                + "%UPSTREAM_CONNECTION_POOL_READY_DURATION% %ROUNDTRIP_DURATION% %DOWNSTREAM_HANDSHAKE_DURATION% "
                + "%COMMON_DURATION(DS_RX_BEG:DS_TX_END:us)% %COMMON_DURATION(US_TX_BEG:US_RX_BEG)% "
                + "%COMMON_DURATION(DS_TX_END:DS_RX_END:ns)% %COMMON_DURATION(DS_RX_BEG:my_filter_timing)%");
        StreamInfo i = new StreamInfo();
        assertEquals("- - - - - - - - - -", f.format(i));
        Thread.sleep(5);
        i.mark(StreamTimings.Point.DS_RX_END);
        i.mark(StreamTimings.Point.POOL_REQUESTED);
        Thread.sleep(5);
        i.mark(StreamTimings.Point.POOL_READY);
        i.mark(StreamTimings.Point.US_TX_BEG);
        i.mark(StreamTimings.Point.US_TX_END);
        Thread.sleep(5);
        i.upstreamServiceTimeNanos = System.nanoTime() - i.startNanos;
        Thread.sleep(5);
        i.mark(StreamTimings.Point.DS_TX_BEG);
        i.mark(StreamTimings.Point.DS_TX_END);
        String[] v = f.format(i).split(" ");
        long request = Long.parseLong(v[0]);
        long requestTx = Long.parseLong(v[1]);
        long responseTx = Long.parseLong(v[2]);
        long pool = Long.parseLong(v[3]);
        long whole = Long.parseLong(v[6]);
        assertTrue(request >= 5 && requestTx >= request + 5 && responseTx >= 5 && pool >= 5, String.join(" ", v));
        assertTrue(whole >= 20_000 && whole / 1000 >= requestTx + responseTx, "us " + whole);
        assertTrue(Long.parseLong(v[7]) >= 5, "US_TX_BEG to US_RX_BEG " + v[7]);
        assertEquals("-", v[4]); // HTTP/3 only in Envoy
        assertEquals("-", v[5]); // never on an HTTP stream's info in Envoy
        assertEquals("-", v[8]); // an end before its start
        assertEquals("-", v[9]); // a custom timing no filter set
        i.mark(StreamTimings.Point.DS_RX_END); // the first moment counts
        assertEquals(request, Long.parseLong(f.format(i).split(" ")[0]));
        i.restartUpstreamTimings(); // a new try: its upstream moments are not yet known
        assertEquals("-", f.format(i).split(" ")[1]);
        Map<String, String> json = new LinkedHashMap<>();
        json.put("rq", "%REQUEST_DURATION%");
        json.put("tx", "%REQUEST_TX_DURATION%");
        assertEquals("{\"rq\":" + request + ",\"tx\":null}\n", AccessLogFormatter.json(json).format(i));
    }

    private static final String CONNECT_FORMAT = "%COMMON_DURATION(US_CX_BEG:US_CX_END:us)% "
            + "%COMMON_DURATION(US_CX_END:US_HS_END:us)% %COMMON_DURATION(DS_RX_BEG:US_CX_BEG:us)% "
            + "%COMMON_DURATION(US_CX_BEG:DS_RX_BEG:us)% %COMMON_DURATION(US_HS_END:US_TX_BEG:us)%";

    /** An upstream connection known to the stream by its id and when it was made. */
    private static UpstreamConnectionFacts connection(io.remora.upstream.UpstreamConnectTimes t) {
        return UpstreamConnectionFacts.of(7, t);
    }

    /**
     * US_CX_BEG, US_CX_END and US_HS_END are the connection's, as Envoy copies them into the stream at
     * pool ready: a new connection's come after the stream's start, a reused one's before it.
     */
    @Test
    void connectMomentsAreTheUpstreamConnections() throws InterruptedException {
        AccessLogFormatter f = AccessLogFormatter.text(CONNECT_FORMAT);
        StreamInfo fresh = new StreamInfo();
        assertEquals("- - - - -", f.format(fresh), "no upstream connection");
        Thread.sleep(2);
        io.remora.upstream.UpstreamConnectTimes t = new io.remora.upstream.UpstreamConnectTimes(System.nanoTime());
        fresh.upstreamConnection = connection(t);
        assertEquals("- - " + (t.start() - fresh.startNanos) / 1000 + " - -", f.format(fresh), "still connecting");
        Thread.sleep(3);
        t.connected(System.nanoTime());
        Thread.sleep(4);
        t.handshaken(System.nanoTime());
        fresh.mark(StreamTimings.Point.US_TX_BEG);
        String[] v = f.format(fresh).split(" ");
        assertTrue(Long.parseLong(v[0]) >= 3000 && Long.parseLong(v[1]) >= 4000, String.join(" ", v));
        assertTrue(Long.parseLong(v[2]) >= 2000, "the stream began before its connection: " + v[2]);
        assertEquals("-", v[3], "an end before its start");
        assertTrue(Long.parseLong(v[4]) >= 0, v[4]);

        // The next stream on that connection reports the same connect and handshake, before its own start.
        StreamInfo reused = new StreamInfo();
        reused.upstreamConnection = connection(t);
        String[] r = f.format(reused).split(" ");
        assertEquals(v[0] + " " + v[1] + " -", r[0] + " " + r[1] + " " + r[2]);
        assertTrue(Long.parseLong(r[3]) >= 7000, "connected before the stream began: " + r[3]);

        io.remora.upstream.UpstreamConnectTimes plain = new io.remora.upstream.UpstreamConnectTimes(System.nanoTime());
        plain.connected(System.nanoTime());
        reused.upstreamConnection = connection(plain);
        assertEquals("-", f.format(reused).split(" ")[1], "no handshake in plaintext");
        reused.upstreamConnection = UpstreamConnectionFacts.of(7);
        assertEquals("- - - - -", f.format(reused), "times not recorded");
    }

    /** Envoy's DownstreamTiming has the handshake on the connection's info only: an HTTP stream's prints "-". */
    @Test
    void downstreamHandshakeIsTheConnectionsOnly() {
        AccessLogFormatter f = AccessLogFormatter.text("%DOWNSTREAM_HANDSHAKE_DURATION%");
        StreamInfo stream = new StreamInfo();
        assertEquals("-", f.format(stream));
        StreamInfo connection = new StreamInfo();
        connection.describesConnection();
        assertEquals("-", f.format(connection), "a plaintext connection");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "%COMMON_DURATION(DS_RX_BEG)%|Invalid common duration configuration: DS_RX_BEG.",
            "%COMMON_DURATION(A:B:C:D)%|Invalid common duration configuration: A:B:C:D.",
            "%COMMON_DURATION(DS_RX_BEG:DS_TX_END:s)%|Invalid common duration precision: s.",
            "%COMMON_DURATION%|COMMON_DURATION requires parameters",
            "%REQUEST_DURATION(x)%|REQUEST_DURATION does not take any parameters or length",
            "%ROUNDTRIP_DURATION:2%|ROUNDTRIP_DURATION does not take any parameters or length"})
    void durationFormatsEnvoyRefusesAreRefused(String format, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AccessLogFormatter.text(format));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    /** Envoy's HeaderMap byteSize: every name's and value's length, pseudo-headers included; 0 without a map. */
    @Test
    void headerBytesAreTheMapsByteSize() {
        StreamInfo i = http();
        // :method POST, :path /api/v1/locations, :authority locations, :scheme http, and three headers.
        long request = 7 + 4 + 5 + 17 + 10 + 9 + 7 + 4 + 15 + 10 + 10 + 8 + 12 + 36;
        long response = 7 + 3 + 29 + 3;
        assertEquals(request + " " + response + " 0", AccessLogFormatter.text(
                "%REQUEST_HEADERS_BYTES% %RESPONSE_HEADERS_BYTES% %RESPONSE_TRAILERS_BYTES%").format(i));
        i.responseTrailers = new DefaultHttp2Headers().add("grpc-status", "0");
        Map<String, String> json = new LinkedHashMap<>();
        json.put("trailers", "%RESPONSE_TRAILERS_BYTES%");
        assertEquals("{\"trailers\":12}\n", AccessLogFormatter.json(json).format(i));
        assertEquals("0 0", AccessLogFormatter.text("%REQUEST_HEADERS_BYTES% %RESPONSE_HEADERS_BYTES%")
                .format(new StreamInfo()));
    }

    /** Envoy's BytesMeter operators: numbers in text and JSON, 0 with nothing counted, "-" for a side no codec meters. */
    @Test
    void byteMetersPrintWhatTheCodecsCounted() {
        AccessLogFormatter f = AccessLogFormatter.text("%DOWNSTREAM_WIRE_BYTES_RECEIVED% %DOWNSTREAM_HEADER_BYTES_RECEIVED%"
                + " %DOWNSTREAM_WIRE_BYTES_SENT% %DOWNSTREAM_HEADER_BYTES_SENT% %UPSTREAM_WIRE_BYTES_SENT%"
                + " %UPSTREAM_HEADER_BYTES_SENT% %UPSTREAM_WIRE_BYTES_RECEIVED% %UPSTREAM_HEADER_BYTES_RECEIVED%");
        assertTrue(WireBytes.wanted(), "naming a meter turns counting on");
        assertEquals("0 0 0 0 0 0 0 0", f.format(http()));
        StreamInfo i = http();
        WireBytes w = i.wireBytes();
        w.downstreamWireReceived = 1;
        w.downstreamHeaderReceived = 2;
        w.downstreamWireSent = 3;
        w.downstreamHeaderSent = 4;
        w.upstreamWireSent = 5;
        w.upstreamHeaderSent = 6;
        w.upstreamWireReceived = 7;
        w.upstreamHeaderReceived = 8;
        assertEquals("1 2 3 4 5 6 7 8", f.format(i));
        assertEquals("{\"rx\":7}\n", AccessLogFormatter.json(Map.of("rx", "%UPSTREAM_WIRE_BYTES_RECEIVED%")).format(i));
        w.unmeteredUpstream = true;
        assertEquals("1 2 3 4 - - - -", f.format(i));
        w.unmeteredDownstream = true;
        assertEquals("- - - - - - - -", f.format(i));
        // An upstream log's info reads its stream's meters.
        StreamInfo tryInfo = new StreamInfo();
        tryInfo.shareWireBytes(i);
        assertSame(w, tryInfo.wireBytes());
    }

    @ParameterizedTest
    @ValueSource(strings = {"UPSTREAM_WIRE_BYTES_SENT", "DOWNSTREAM_HEADER_BYTES_RECEIVED"})
    void byteMetersTakeNoParameters(String name) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AccessLogFormatter.text("%" + name + "(x)%"));
        assertTrue(e.getMessage().contains(name + " does not take any parameters or length"), e.getMessage());
    }

    /** No Remora filter adds Envoy's custom flags: Envoy's empty string, in text as in JSON. */
    @Test
    void customFlagsAreEmptyNotADash() {
        assertEquals("[]", AccessLogFormatter.text("[%CUSTOM_FLAGS%]").format(http()));
        assertEquals("{\"f\":\"\"}\n", AccessLogFormatter.json(Map.of("f", "%CUSTOM_FLAGS%")).format(http()));
        assertThrows(IllegalArgumentException.class, () -> AccessLogFormatter.text("%CUSTOM_FLAGS(x)%"));
    }

    @Test
    void spanIdIsTheActiveSpansAndTakesNoParameter() {
        StreamInfo i = http();
        i.traceId("4bf92f3577b34da6a3ce929d0e0e4736");
        i.spanId("00f067aa0ba902b7");
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736 00f067aa0ba902b7",
                AccessLogFormatter.text("%TRACE_ID% %SPAN_ID%").format(i));
        assertEquals("-", AccessLogFormatter.text("%SPAN_ID%").format(http()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AccessLogFormatter.text("%SPAN_ID:4%"));
        assertEquals("access log format: SPAN_ID does not take any parameters or length", e.getMessage());
    }

    @Test
    void decompressedHeaderBytesAreZeroWithoutHttp3() {
        assertEquals("0 0 0 0", AccessLogFormatter.text("%DOWNSTREAM_DECOMPRESSED_HEADER_BYTES_SENT% "
                + "%DOWNSTREAM_DECOMPRESSED_HEADER_BYTES_RECEIVED% %UPSTREAM_DECOMPRESSED_HEADER_BYTES_SENT% "
                + "%UPSTREAM_DECOMPRESSED_HEADER_BYTES_RECEIVED%").format(http()));
        assertEquals("{\"d\":0}\n", AccessLogFormatter.json(Map.of("d", "%UPSTREAM_DECOMPRESSED_HEADER_BYTES_SENT%"))
                .format(http()));
        assertThrows(IllegalArgumentException.class,
                () -> AccessLogFormatter.text("%UPSTREAM_DECOMPRESSED_HEADER_BYTES_SENT(x)%"));
    }

    @Test
    void closeReasonsAndTypesAreEnvoysOnceRecorded() {
        AccessLogFormatter f = AccessLogFormatter.text("%DOWNSTREAM_LOCAL_CLOSE_REASON% %DOWNSTREAM_DETECTED_CLOSE_TYPE% "
                + "%UPSTREAM_LOCAL_CLOSE_REASON% %UPSTREAM_DETECTED_CLOSE_TYPE%");
        StreamInfo i = http();
        assertEquals("- - - -", f.format(i));
        i.downstreamClosed(null, ConnectionCloses.TCP_SESSION_IDLE_TIMEOUT);
        i.upstreamClosed(ConnectionCloses.Type.NORMAL, ConnectionCloses.UPSTREAM_FOR_DOWNSTREAM_LOCAL_CLOSE);
        // The close event that follows keeps the reason; a reset seen first keeps its type.
        i.downstreamClosed(ConnectionCloses.Type.NORMAL, null);
        assertEquals("tcp_session_idle_timeout Normal closing_upstream_tcp_connection_due_to_downstream_local_close Normal",
                f.format(i));
        StreamInfo r = http();
        r.upstreamClosed(ConnectionCloses.Type.REMOTE_RESET, null);
        r.upstreamClosed(ConnectionCloses.Type.NORMAL, null);
        assertEquals("- - - RemoteReset", f.format(r));
        // A new try starts its upstream afresh.
        r.clearUpstreamClose();
        assertEquals("- - - -", f.format(r));
        assertThrows(IllegalArgumentException.class, () -> AccessLogFormatter.text("%UPSTREAM_LOCAL_CLOSE_REASON:3%"));
    }

    @Test
    void aPeerResetIsEconnreset() {
        assertTrue(ConnectionCloses.isPeerReset(new java.net.SocketException("Connection reset")));
        assertTrue(ConnectionCloses.isPeerReset(new RuntimeException(new java.io.IOException(
                "recvAddress(..) failed: Connection reset by peer"))));
        assertFalse(ConnectionCloses.isPeerReset(new java.io.IOException("Broken pipe")));
        assertFalse(ConnectionCloses.isPeerReset(null));
    }

    @Test
    void anInternalUpstreamsEndpointIdIsLoggedAndTheDownstreamOnesAreRefused() {
        StreamInfo i = http();
        AccessLogFormatter f = AccessLogFormatter.text("%UPSTREAM_REMOTE_ADDRESS_ENDPOINT_ID%");
        assertEquals("-", f.format(i));
        i.upstreamConfiguredAddress(new io.remora.config.Address.Internal("inner", "ep-7"));
        assertEquals("ep-7", f.format(i));
        i.upstreamConfiguredAddress(new io.remora.config.Address.Tcp("10.0.0.1", 80));
        assertEquals("-", f.format(i));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AccessLogFormatter.text("%DOWNSTREAM_LOCAL_ADDRESS_ENDPOINT_ID%"));
        assertEquals("access log format: DOWNSTREAM_LOCAL_ADDRESS_ENDPOINT_ID is not supported by Remora: a connection"
                + " to an internal listener does not carry its endpoint id", e.getMessage());
    }
}
