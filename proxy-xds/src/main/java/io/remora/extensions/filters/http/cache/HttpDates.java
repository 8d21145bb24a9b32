package io.remora.extensions.filters.http.cache;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.Locale;

/** HTTP dates (RFC 9110 §5.6.7): the IMF-fixdate, RFC 850 and asctime forms read, the first written. */
final class HttpDates {

    private static final DateTimeFormatter IMF = DateTimeFormatter.RFC_1123_DATE_TIME;
    private static final DateTimeFormatter RFC850 = new DateTimeFormatterBuilder()
            .appendPattern("EEEE, dd-MMM-").appendValueReduced(ChronoField.YEAR, 2, 2, 1970)
            .appendPattern(" HH:mm:ss 'GMT'").toFormatter(Locale.US).withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter ASCTIME = new DateTimeFormatterBuilder().parseLenient()
            .appendPattern("EEE MMM ppd HH:mm:ss yyyy").toFormatter(Locale.US).withZone(ZoneOffset.UTC);

    private HttpDates() {
    }

    /** Milliseconds since the epoch, or -1 when absent or not an HTTP date. */
    static long parse(CharSequence value) {
        if (value == null) {
            return -1;
        }
        String s = value.toString().trim();
        for (DateTimeFormatter f : new DateTimeFormatter[] {IMF, RFC850, ASCTIME}) {
            try {
                return Instant.from(f.parse(s)).toEpochMilli();
            } catch (java.time.DateTimeException e) {
                // try the next form
            }
        }
        return -1;
    }

    static String format(long epochMillis) {
        return IMF.format(Instant.ofEpochMilli(epochMillis).atOffset(ZoneOffset.UTC));
    }
}
