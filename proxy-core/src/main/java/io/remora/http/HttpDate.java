package io.remora.http;

import io.netty.util.AsciiString;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The {@code date} response header's value, as Envoy's date provider keeps it: the current second
 * in IMF-fixdate (RFC 9110 5.6.7, "Sun, 06 Nov 1994 08:49:37 GMT"), formatted once per second and
 * shared by every worker.
 */
public final class HttpDate {
    public static final AsciiString DATE = AsciiString.cached("date");
    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ENGLISH).withZone(ZoneOffset.UTC);

    private record Second(long epochSecond, AsciiString value) {
    }

    private static volatile Second current = new Second(Long.MIN_VALUE, AsciiString.EMPTY_STRING);

    private HttpDate() {
    }

    public static AsciiString now() {
        long second = System.currentTimeMillis() / 1000;
        Second c = current;
        if (c.epochSecond != second) {
            // A race between workers formats the same second twice; either result is right.
            c = new Second(second, new AsciiString(IMF_FIXDATE.format(Instant.ofEpochSecond(second))));
            current = c;
        }
        return c.value;
    }
}
