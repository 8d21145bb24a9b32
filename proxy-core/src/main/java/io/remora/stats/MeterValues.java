package io.remora.stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;

import java.util.concurrent.TimeUnit;

/** Reads meters as Envoy's three stat kinds; timers are read in milliseconds as Envoy's *_time histograms. */
final class MeterValues {

    enum Kind { COUNTER, GAUGE, HISTOGRAM, OTHER }

    /** Cumulative histogram: bucket upper bounds, cumulative counts, total count, sum and largest value (NaN: unknown). */
    record Histogram(double[] bounds, long[] cumulative, long count, double sum, double max) {
        Histogram(double[] bounds, long[] cumulative, long count, double sum) {
            this(bounds, cumulative, count, sum, Double.NaN);
        }
    }

    private MeterValues() {
    }

    static Kind kind(Meter m) {
        if (!validName(m.getId().getName())) {
            // e.g. the "<name>.histogram" bucket gauges SimpleMeterRegistry adds beside a histogram
            return Kind.OTHER;
        }
        if (m instanceof Counter || m instanceof FunctionCounter) {
            return Kind.COUNTER;
        }
        if (m instanceof Gauge) {
            return Kind.GAUGE;
        }
        if (m instanceof DistributionSummary || m instanceof Timer) {
            return Kind.HISTOGRAM;
        }
        return Kind.OTHER;
    }

    static boolean validName(String n) {
        if (n.isEmpty()) {
            return false;
        }
        for (int i = 0; i < n.length(); i++) {
            char c = n.charAt(i);
            boolean ok = c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                    || (i > 0 && c >= '0' && c <= '9');
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Counter or gauge value. */
    static double value(Meter m) {
        if (m instanceof Counter c) {
            return c.count() - CounterResets.baseline(m);
        }
        if (m instanceof FunctionCounter c) {
            return c.count() - CounterResets.baseline(m);
        }
        if (m instanceof Gauge g) {
            return g.value();
        }
        return Double.NaN;
    }

    static Histogram histogram(Meter m) {
        HistogramSnapshot s;
        boolean timer = m instanceof Timer;
        s = timer ? ((Timer) m).takeSnapshot() : ((DistributionSummary) m).takeSnapshot();
        CountAtBucket[] buckets = s.histogramCounts();
        double[] bounds = new double[buckets.length];
        long[] counts = new long[buckets.length];
        long prev = 0;
        for (int i = 0; i < buckets.length; i++) {
            bounds[i] = timer ? buckets[i].bucket(TimeUnit.MILLISECONDS) : buckets[i].bucket();
            // Concurrent recording may tear the snapshot; keep the buckets monotonic as Prometheus requires.
            counts[i] = Math.max(prev, (long) buckets[i].count());
            prev = counts[i];
        }
        long count = Math.max(prev, s.count());
        double sum = timer ? s.total(TimeUnit.MILLISECONDS) : s.total();
        double max = timer ? s.max(TimeUnit.MILLISECONDS) : s.max();
        return new Histogram(bounds, counts, count, sum, max);
    }

    /** Envoy prints numbers without a trailing ".0": 1, 0.5, 3600000. */
    static void appendNumber(StringBuilder sb, double v) {
        if (Double.isNaN(v)) {
            sb.append("NaN");
        } else if (Double.isInfinite(v)) {
            sb.append(v > 0 ? "+Inf" : "-Inf");
        } else if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            sb.append((long) v);
        } else if (v == Math.rint(v) && Math.abs(v) < 0x1p64) {
            // a uint64 Envoy prints whole (a subscription's version hash), not in exponent form
            sb.append(new java.math.BigDecimal(v).toPlainString());
        } else {
            sb.append(v);
        }
    }
}
