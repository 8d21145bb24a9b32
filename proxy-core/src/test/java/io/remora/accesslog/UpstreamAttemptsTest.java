package io.remora.accesslog;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class UpstreamAttemptsTest {

    private static final String FORMAT = "%UPSTREAM_HOSTS_ATTEMPTED% %UPSTREAM_HOSTS_ATTEMPTED_WITHOUT_PORT% "
            + "%UPSTREAM_HOST_NAMES_ATTEMPTED% %UPSTREAM_HOST_NAMES_ATTEMPTED_WITHOUT_PORT% "
            + "%UPSTREAM_CONNECTION_IDS_ATTEMPTED% %UPSTREAM_HOST%";

    @Test
    void noAttemptPrintsDashes() {
        assertEquals("- - - - - -", AccessLogFormatter.text(FORMAT).format(new StreamInfo()));
    }

    @Test
    void oneAttemptIsTheStreamsOwnHostAndConnection() {
        StreamInfo i = new StreamInfo();
        i.upstreamHostAttempted(new InetSocketAddress("10.0.0.1", 80), "a.test:80");
        assertEquals("10.0.0.1:80 10.0.0.1 a.test:80 a.test - 10.0.0.1:80", AccessLogFormatter.text(FORMAT).format(i));
        i.upstreamConnection = UpstreamConnectionFacts.of(7, null);
        i.upstreamConnectionAttempted(i.upstreamConnection);
        assertEquals("10.0.0.1:80 10.0.0.1 a.test:80 a.test 7 10.0.0.1:80", AccessLogFormatter.text(FORMAT).format(i));
    }

    @Test
    void retriesListEveryHostAndConnectionInOrder() {
        StreamInfo i = new StreamInfo();
        i.upstreamHostAttempted(new InetSocketAddress("10.0.0.1", 80), "a.test");
        i.upstreamConnection = UpstreamConnectionFacts.of(7, null);
        i.upstreamConnectionAttempted(i.upstreamConnection);
        i.upstreamHostAttempted(new InetSocketAddress("10.0.0.2", 8080), null);
        i.upstreamHostAttempted(new InetSocketAddress("10.0.0.1", 80), "a.test");
        i.upstreamConnection = UpstreamConnectionFacts.of(9, null);
        i.upstreamConnectionAttempted(i.upstreamConnection);
        assertEquals("10.0.0.1:80,10.0.0.2:8080,10.0.0.1:80 10.0.0.1,10.0.0.2,10.0.0.1 a.test,10.0.0.2:8080,a.test "
                        + "a.test,10.0.0.2,a.test 7,9 10.0.0.1:80",
                AccessLogFormatter.text(FORMAT).format(i));
        i.restartForInternalRedirect();
        assertEquals("- - - - - -", AccessLogFormatter.text(FORMAT).format(i));
    }

    @Test
    void theyTakeNoParameter() {
        assertThrows(IllegalArgumentException.class, () -> AccessLogFormatter.text("%UPSTREAM_HOSTS_ATTEMPTED(x)%"));
        assertThrows(IllegalArgumentException.class, () -> AccessLogFormatter.text("%UPSTREAM_CONNECTION_IDS_ATTEMPTED:2%"));
    }
}
