package io.remora.accesslog;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MaskedAddressesTest {

    @Test
    void theDocumentedExamples() {
        StreamInfo i = AccessLogFormatterTest.http();
        i.downstreamRemoteAddress = new InetSocketAddress("10.1.10.23", 5000);
        i.downstreamLocalAddress = new InetSocketAddress("2001:db8:1234:5678:9abc:def0:1234:5678", 443);
        assertEquals("10.1.0.0/16 10.1.10.23 10.1.10.23/32 0.0.0.0/0 2001:db8:1234:5678::/64 2001:db8::/32",
                AccessLogFormatter.text("%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT(16)% "
                        + "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT% %DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT(32)% "
                        + "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT(0)% %DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT(64)% "
                        + "%DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT(32)%").format(i));
    }

    @Test
    void everyWithoutPortOperatorTakesAMask() {
        StreamInfo i = AccessLogFormatterTest.http();
        i.upstreamLocalAddress = new InetSocketAddress("192.168.7.9", 40000);
        // http() has no separate direct addresses: they are the stream's own.
        assertEquals("10.0.0.0/8 10.0.0.0/24 192.168.0.0/16 10.0.2.0/24 10.0.35.0/24 10.0.0.4/30",
                AccessLogFormatter.text("%DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT(8)% "
                        + "%DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT(24)% %UPSTREAM_LOCAL_ADDRESS_WITHOUT_PORT(16)% "
                        + "%UPSTREAM_REMOTE_ADDRESS_WITHOUT_PORT(24)% %DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT(24)% "
                        + "%DOWNSTREAM_DIRECT_LOCAL_ADDRESS_WITHOUT_PORT(30)%").format(i));
    }

    @Test
    void anIpv4AddressPastThirtyTwoBitsAndAMissingAddressPrintNothing() {
        StreamInfo i = AccessLogFormatterTest.http();
        assertEquals("- -", AccessLogFormatter.text("%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT(64)% "
                + "%UPSTREAM_LOCAL_ADDRESS_WITHOUT_PORT(16)%").format(i));
    }

    @Test
    void aPrefixThatIsNoNumberUpTo128IsRefused() {
        for (String bad : new String[] {"129", "-1", "x", "1000", "16:"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> AccessLogFormatter.text("%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT(" + bad + ")%"), bad);
            assertTrue(e.getMessage().contains("DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class,
                () -> AccessLogFormatter.text("%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT(16):3%"));
    }
}
