package io.remora.extensions.filters.http.adaptive_concurrency;

import java.util.Arrays;

/**
 * The latencies (microseconds) recorded since the last aggregation, Envoy's latency histogram: its
 * array is kept between windows so that steady traffic allocates nothing. Not thread-safe; the
 * controller's lock guards it.
 */
final class LatencySamples {

    private long[] values = new long[64];
    private int count;

    void add(long micros) {
        if (count == values.length) {
            values = Arrays.copyOf(values, count * 2);
        }
        values[count++] = micros;
    }

    int count() {
        return count;
    }

    void clear() {
        count = 0;
    }

    /** The {@code q} quantile (0..1, nearest rank) of the samples, then forgets them; 0 when empty. */
    long quantileAndClear(double q) {
        if (count == 0) {
            return 0;
        }
        Arrays.sort(values, 0, count);
        int rank = (int) Math.ceil(q * count) - 1;
        long v = values[Math.max(0, Math.min(count - 1, rank))];
        count = 0;
        return v;
    }
}
