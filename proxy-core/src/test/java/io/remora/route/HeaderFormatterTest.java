package io.remora.route;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.StreamInfo;
import io.remora.network.FilterState;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

import static io.remora.route.Fixtures.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeaderFormatterTest {

    private static HeaderFormatter.Context ctx(SocketAddress remote, SocketAddress local) {
        StreamInfo info = new StreamInfo();
        info.downstreamRemoteAddress = remote;
        info.downstreamLocalAddress = local;
        info.protocol = "HTTP/1.1";
        return () -> info;
    }

    private static final HeaderFormatter.Context V4 = ctx(new InetSocketAddress("10.1.2.3", 51234),
            new InetSocketAddress("10.9.8.7", 8080));
    private static final HeaderFormatter.Context V6 = ctx(new InetSocketAddress("2001:db8:0:0:0:0:0:1", 443),
            new InetSocketAddress("0:0:0:0:0:0:0:1", 15006));

    private static String fmt(String f, HeaderFormatter.Context c) {
        Http2Headers h = request("host.example", "/p?q=1");
        h.add("x-a", "alpha");
        h.add("x-b", "bravo");
        return HeaderFormatter.compile(f).format(h, c);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "%DOWNSTREAM_REMOTE_ADDRESS%, 10.1.2.3:51234",
            "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%, 10.1.2.3",
            "%DOWNSTREAM_LOCAL_ADDRESS%, 10.9.8.7:8080",
            "%DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT%, 10.9.8.7",
            "%PROTOCOL%, HTTP/1.1",
            "%REQ(x-a)%, alpha",
            "%REQ(X-A)%, alpha",
            "%REQ(:path)%, /p?q=1",
            "%REQ(:authority)%, host.example",
            "%REQ(x-missing?x-b)%, bravo",
            "%REQ(x-a?x-b)%, alpha",
            "%REQ(x-a):3%, alp",
            "%REQ(x-missing)%, ''",
            "'for=%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%;proto=%PROTOCOL%', 'for=10.1.2.3;proto=HTTP/1.1'",
            "100%%, 100%",
            "%%REQ(x-a)%%, %REQ(x-a)%",
            // a value Envoy would refuse (translation refuses it) is kept whole if compiled anyway
            "%UNKNOWN_OP% %PROTOCOL%, %UNKNOWN_OP% %PROTOCOL%",
            "50% off, 50% off",
            "%REQ()%, %REQ()%",
            "%PROTOCOL:99999999999%, %PROTOCOL:99999999999%",
            // Envoy refuses a length on an operator that takes none
            "%PROTOCOL:4%, %PROTOCOL:4%",
            // every access log operator: the stream info's facts, "" when it has none
            "%UPSTREAM_HOST%, ''",
            // as Envoy's: 0 before a response
            "[%RESPONSE_CODE%], [0]",
            "%DYNAMIC_METADATA(ns:k)%, ''",
    })
    void operators(String format, String expected) {
        assertEquals(expected, fmt(format, V4));
    }

    @ParameterizedTest(name = "v6 {0} -> {1}")
    @CsvSource({
            "%DOWNSTREAM_REMOTE_ADDRESS%, '[2001:db8::1]:443'",
            "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%, 2001:db8::1",
            "%DOWNSTREAM_LOCAL_ADDRESS%, '[::1]:15006'",
            "%DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT%, ::1",
    })
    void ipv6AddressesInEnvoysForm(String format, String expected) {
        assertEquals(expected, fmt(format, V6));
    }

    @Test
    void hostnameIsTheMachineName() throws Exception {
        Path p = Path.of("/proc/sys/kernel/hostname");
        Assumptions.assumeTrue(Files.exists(p));
        assertEquals("h=" + Files.readString(p).trim(), fmt("h=%HOSTNAME%", V4));
    }

    @Test
    void literalsAreReturnedAsIs() {
        HeaderFormatter f = HeaderFormatter.compile("plain value");
        assertTrue(f.isLiteral());
        assertSame(f.format(null, null), f.format(request("h", "/"), V4));
        assertFalse(HeaderFormatter.compile("%PROTOCOL%").isLiteral());
    }

    @Test
    void startTimeIsTheStreamsInEnvoysDefaultFormatOrTheGivenOne() {
        StreamInfo info = new StreamInfo();
        String expected = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC)
                .format(Instant.ofEpochMilli(info.startMillis));
        assertEquals(expected, HeaderFormatter.compile("%START_TIME%").format(null, () -> info));
        assertEquals(expected.substring(0, 4), HeaderFormatter.compile("%START_TIME(%Y)%").format(null, () -> info));
    }

    @Test
    void nullContextAndHeadersYieldEmptyValues() {
        assertEquals("[]", HeaderFormatter.compile("[%DOWNSTREAM_REMOTE_ADDRESS%%PROTOCOL%%REQ(x)%%UPSTREAM_CLUSTER%]")
                .format(null, null));
    }

    /** {@code info} with filter state tenant=acme, as a context. */
    private static HeaderFormatter.Context withTenant(StreamInfo info) {
        FilterState state = new FilterState(null);
        state.set("tenant", "acme", FilterState.Mutability.READ_ONLY);
        info.filterState(state);
        return () -> info;
    }

    @Test
    void streamInfoOperatorsReadTheContextsInfo() {
        StreamInfo info = new StreamInfo();
        info.upstreamCluster = "backend";
        info.upstreamHost = new InetSocketAddress("10.0.0.5", 8080);
        info.responseCode = 503;
        info.routeName = "r1";
        info.virtualClusterName("vc");
        info.setDynamicMetadata("ns", "k", "v");
        info.upstreamHostMetadata = ns -> ns.equals("lb") ? Map.of("zone", "z1") : null;
        HeaderFormatter.Context c = withTenant(info);
        assertEquals("backend 10.0.0.5:8080 503 r1 vc v z1", HeaderFormatter.compile(
                "%UPSTREAM_CLUSTER% %UPSTREAM_HOST% %RESPONSE_CODE% %ROUTE_NAME% %VIRTUAL_CLUSTER_NAME% "
                        + "%DYNAMIC_METADATA(ns:k)% %UPSTREAM_METADATA(lb:zone)%").format(null, c));
        assertEquals("acme acme acme", HeaderFormatter.compile(
                "%FILTER_STATE(tenant)% %FILTER_STATE(tenant:PLAIN)% %FILTER_STATE(tenant:TYPED)%").format(null, c));
    }

    @Test
    void legacyHeaderSyntaxIsConvertedAsEnvoyDoes() {
        StreamInfo info = new StreamInfo();
        info.setDynamicMetadata("ns", "k", "dyn");
        info.upstreamHostMetadata = ns -> ns.equals("lb") ? Map.of("zone", Map.of("name", "z1")) : null;
        HeaderFormatter.Context c = withTenant(info);
        assertEquals("z1|dyn|acme", HeaderFormatter.compile(
                "%UPSTREAM_METADATA([\"lb\", \"zone\", \"name\"])%|%DYNAMIC_METADATA( [ \"ns\",\"k\" ] )%"
                        + "|%PER_REQUEST_STATE(tenant)%").format(null, c));
        assertEquals("%UPSTREAM_METADATA(lb:zone)%", LegacyHeaderOperators.translate("%UPSTREAM_METADATA([\"lb\",\"zone\"])%"));
        // Not an array of strings: the value stays as it was.
        assertEquals("%UPSTREAM_METADATA([1])%", LegacyHeaderOperators.translate("%UPSTREAM_METADATA([1])%"));
    }

    @Test
    void responseHeaderValuesReadTheResponseBeingChanged() {
        Http2Headers request = request("h", "/");
        request.add("x-id", "7");
        Http2Headers response = new DefaultHttp2Headers().status("201");
        response.add("x-up", "u");
        assertEquals("7 u 201", HeaderFormatter.compile("%REQ(x-id)% %RESP(x-up)% %RESP(:status)%")
                .format(request, response, V4));
    }

    @Test
    void validateReportsWhatEnvoyRejects() {
        assertTrue(HeaderFormatter.validate("%DOWNSTREAM_REMOTE_ADDRESS% %REQ(x?y):10% 100%% %HOSTNAME%").isEmpty());
        assertTrue(HeaderFormatter.validate("%UPSTREAM_METADATA([\"a\",\"b\"])% %PER_REQUEST_STATE(x)%").isEmpty());
        assertTrue(HeaderFormatter.validate("%UPSTREAM_HOST% %FILTER_STATE(k:PLAIN)% %RESPONSE_CODE%").isEmpty());
        assertTrue(HeaderFormatter.validate("%FOO%").get(0).contains("Not supported field in StreamInfo: FOO"));
        assertTrue(HeaderFormatter.validate("50% off").get(0).contains("Couldn't find valid command at position 2"));
        assertTrue(HeaderFormatter.validate("%REQ()%").get(0).contains("REQ requires parameters"));
        assertTrue(HeaderFormatter.validate("%PROTOCOL(x)%").get(0).contains("PROTOCOL does not take any parameters"));
        assertTrue(HeaderFormatter.validate("%FILTER_STATE(k:JSON)%").get(0).contains("PLAIN/TYPED/FIELD"));
        assertTrue(HeaderFormatter.validate("%FILTER_STATE(k:FIELD)%").get(0).contains("field name"));
        // PER_REQUEST_STATE(a:b) becomes FILTER_STATE(a:b:PLAIN): b is no serialization type.
        assertEquals(1, HeaderFormatter.validate("%PER_REQUEST_STATE(a:b)%").size());
    }
}
