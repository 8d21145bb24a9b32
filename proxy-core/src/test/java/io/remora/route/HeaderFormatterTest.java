package io.remora.route;

import io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import static io.remora.route.Fixtures.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeaderFormatterTest {

    private static HeaderFormatter.Context ctx(SocketAddress remote, SocketAddress local, long start) {
        return new HeaderFormatter.Context() {
            @Override
            public SocketAddress downstreamRemoteAddress() {
                return remote;
            }

            @Override
            public SocketAddress downstreamLocalAddress() {
                return local;
            }

            @Override
            public String protocol() {
                return "HTTP/1.1";
            }

            @Override
            public long startTimeMillis() {
                return start;
            }
        };
    }

    private static final HeaderFormatter.Context V4 = ctx(new InetSocketAddress("10.1.2.3", 51234),
            new InetSocketAddress("10.9.8.7", 8080), Instant.parse("2026-11-25T19:56:36.123Z").toEpochMilli());
    private static final HeaderFormatter.Context V6 = ctx(new InetSocketAddress("2001:db8:0:0:0:0:0:1", 443),
            new InetSocketAddress("0:0:0:0:0:0:0:1", 15006), 0);

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
            "%START_TIME%, 2026-11-25T19:56:36.123Z",
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
            // unknown operators and stray '%' are kept literally
            "%UNKNOWN_OP%, %UNKNOWN_OP%",
            "50% off, 50% off",
            "%REQ()%, %REQ()%",
            "%PROTOCOL(x)%, %PROTOCOL(x)%",
            "%PROTOCOL:99999999999%, %PROTOCOL:99999999999%",
            "%PROTOCOL:4%, HTTP",
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
        String expected = Files.exists(p) ? Files.readString(p).trim() : FormatterSegment.Hostname.VALUE;
        assertEquals("h=" + expected, fmt("h=%HOSTNAME%", V4));
        assertTrue(HeaderFormatter.compile("%HOSTNAME%").isLiteral());
    }

    @Test
    void literalsAreReturnedAsIs() {
        HeaderFormatter f = HeaderFormatter.compile("plain value");
        assertTrue(f.isLiteral());
        assertSame(f.format(null, null), f.format(request("h", "/"), V4));
        assertFalse(HeaderFormatter.compile("%PROTOCOL%").isLiteral());
    }

    @Test
    void nullContextAndHeadersYieldEmptyValues() {
        assertEquals("[]", HeaderFormatter.compile("[%DOWNSTREAM_REMOTE_ADDRESS%%PROTOCOL%%REQ(x)%%START_TIME%]")
                .format(null, null));
    }

    @Test
    void validateReportsWhatEnvoyRejects() {
        assertTrue(HeaderFormatter.validate("%DOWNSTREAM_REMOTE_ADDRESS% %REQ(x?y):10% 100%% %HOSTNAME%").isEmpty());
        assertEquals(1, HeaderFormatter.validate("%UPSTREAM_METADATA([\"a\",\"b\"])%").size());
        assertTrue(HeaderFormatter.validate("%FOO%").get(0).contains("unsupported operator %FOO%"));
        assertTrue(HeaderFormatter.validate("50% off").get(0).contains("un-escaped %"));
        assertTrue(HeaderFormatter.validate("%REQ()%").get(0).contains("unsupported operator"));
    }
}
