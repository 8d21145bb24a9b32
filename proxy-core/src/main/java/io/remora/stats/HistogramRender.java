package io.remora.stats;

import static io.remora.util.JsonStrings.quote;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Map;

/**
 * Histograms in {@code /stats} as Envoy's StatsTextRender and StatsJsonRender write them, for each
 * {@code ?histogram_buckets=} mode. Remora keeps no per-flush interval histograms, so every interval half is
 * empty: {@code nan} / {@code null} quantiles, 0 bucket counts, no detailed interval buckets. Envoy's detailed
 * buckets are its log-linear histogram's bins; here they are the configured buckets that hold values (the
 * last reaching from the last bound to the largest value recorded).
 */
final class HistogramRender {

    /** Envoy's supported quantiles, in percent. */
    static final double[] QUANTILES = {0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 100};

    /** Envoy's {@code ?histogram_buckets=}; {@code none} is {@code summary}'s older name. */
    enum Mode {
        SUMMARY, CUMULATIVE, DISJOINT, DETAILED;

        /** The mode a parameter names (null or empty: summary), or null for one Envoy refuses. */
        static Mode of(String param) {
            if (param == null || param.isEmpty()) {
                return SUMMARY;
            }
            return switch (param) {
                case "summary", "none" -> SUMMARY;
                case "cumulative" -> CUMULATIVE;
                case "disjoint" -> DISJOINT;
                case "detailed" -> DETAILED;
                default -> null;
            };
        }
    }

    private HistogramRender() {
    }

    /** One histogram's text line(s), its name included. */
    static void text(StringBuilder sb, String name, MeterValues.Histogram h, Mode mode) {
        sb.append(name);
        if (h.count() == 0) {
            sb.append(": No recorded values\n");
            return;
        }
        switch (mode) {
            case SUMMARY -> {
                sb.append(": ");
                quantileSummary(sb, h);
            }
            case CUMULATIVE, DISJOINT -> {
                sb.append(": ");
                long[] counts = mode == Mode.CUMULATIVE ? h.cumulative() : disjoint(h);
                for (int i = 0; i < counts.length; i++) {
                    if (i > 0) {
                        sb.append(' ');
                    }
                    sb.append('B').append(g(h.bounds()[i])).append("(0,").append(counts[i]).append(')');
                }
            }
            case DETAILED -> {
                sb.append(":\n  totals=");
                String delim = "";
                for (double[] b : detailed(h)) {
                    sb.append(delim);
                    MeterValues.appendNumber(sb, b[0]);
                    sb.append(',');
                    MeterValues.appendNumber(sb, b[1]);
                    sb.append(':').append((long) b[2]);
                    delim = ", ";
                }
                sb.append("\n  intervals=\n  summary=");
                quantileSummary(sb, h);
            }
        }
        sb.append('\n');
    }

    /** The {@code {"histograms":...}} entry of the JSON stats array, for non-empty {@code histograms}. */
    static void json(StringBuilder sb, Map<String, MeterValues.Histogram> histograms, Mode mode) {
        sb.append("{\"histograms\":");
        switch (mode) {
            case SUMMARY -> {
                sb.append("{\"supported_quantiles\":");
                supported(sb);
                sb.append(",\"computed_quantiles\":[");
                String delim = "";
                for (Map.Entry<String, MeterValues.Histogram> e : histograms.entrySet()) {
                    sb.append(delim).append("{\"name\":");
                    quote(sb, e.getKey());
                    sb.append(",\"values\":");
                    percentiles(sb, e.getValue());
                    sb.append('}');
                    delim = ",";
                }
                sb.append("]}");
            }
            case CUMULATIVE, DISJOINT -> {
                sb.append('[');
                String delim = "";
                for (Map.Entry<String, MeterValues.Histogram> e : histograms.entrySet()) {
                    MeterValues.Histogram h = e.getValue();
                    long[] counts = mode == Mode.CUMULATIVE ? h.cumulative() : disjoint(h);
                    sb.append(delim).append("{\"name\":");
                    quote(sb, e.getKey());
                    sb.append(",\"buckets\":[");
                    for (int i = 0; i < counts.length; i++) {
                        sb.append(i > 0 ? "," : "").append("{\"upper_bound\":");
                        MeterValues.appendNumber(sb, h.bounds()[i]);
                        sb.append(",\"interval\":0,\"cumulative\":").append(counts[i]).append('}');
                    }
                    sb.append("]}");
                    delim = ",";
                }
                sb.append(']');
            }
            case DETAILED -> {
                sb.append("{\"supported_percentiles\":");
                supported(sb);
                sb.append(",\"details\":[");
                String delim = "";
                for (Map.Entry<String, MeterValues.Histogram> e : histograms.entrySet()) {
                    sb.append(delim).append("{\"name\":");
                    quote(sb, e.getKey());
                    sb.append(",\"totals\":[");
                    String bucketDelim = "";
                    for (double[] b : detailed(e.getValue())) {
                        sb.append(bucketDelim).append("{\"lower_bound\":");
                        MeterValues.appendNumber(sb, b[0]);
                        sb.append(",\"width\":");
                        MeterValues.appendNumber(sb, b[1]);
                        sb.append(",\"count\":").append((long) b[2]).append('}');
                        bucketDelim = ",";
                    }
                    sb.append("],\"intervals\":[],\"percentiles\":");
                    percentiles(sb, e.getValue());
                    sb.append('}');
                    delim = ",";
                }
                sb.append("]}");
            }
        }
        sb.append('}');
    }

    /** Envoy's quantileSummary: {@code P0(interval,cumulative) P25(...) ...}. */
    private static void quantileSummary(StringBuilder sb, MeterValues.Histogram h) {
        for (int i = 0; i < QUANTILES.length; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append('P');
            MeterValues.appendNumber(sb, QUANTILES[i]);
            sb.append("(nan,");
            MeterValues.appendNumber(sb, round(EnvoyStatsFormat.quantile(h, QUANTILES[i] / 100)));
            sb.append(')');
        }
    }

    private static void supported(StringBuilder sb) {
        sb.append('[');
        for (int i = 0; i < QUANTILES.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            MeterValues.appendNumber(sb, QUANTILES[i]);
        }
        sb.append(']');
    }

    private static void percentiles(StringBuilder sb, MeterValues.Histogram h) {
        sb.append('[');
        for (int i = 0; i < QUANTILES.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append("{\"interval\":null,\"cumulative\":");
            if (h.count() == 0) {
                sb.append("null");
            } else {
                MeterValues.appendNumber(sb, round(EnvoyStatsFormat.quantile(h, QUANTILES[i] / 100)));
            }
            sb.append('}');
        }
        sb.append(']');
    }

    /** Envoy's computeDisjointBuckets: the values in each bucket alone, not those below it. */
    private static long[] disjoint(MeterValues.Histogram h) {
        long[] cumulative = h.cumulative();
        long[] out = new long[cumulative.length];
        long below = 0;
        for (int i = 0; i < cumulative.length; i++) {
            out[i] = cumulative[i] - below;
            below = cumulative[i];
        }
        return out;
    }

    /** The buckets holding values, as {lower bound, width, count}; values above the last bound last. */
    private static java.util.List<double[]> detailed(MeterValues.Histogram h) {
        java.util.List<double[]> out = new java.util.ArrayList<>();
        double lower = 0;
        long below = 0;
        for (int i = 0; i < h.bounds().length; i++) {
            long n = h.cumulative()[i] - below;
            if (n > 0) {
                out.add(new double[]{lower, h.bounds()[i] - lower, n});
            }
            lower = h.bounds()[i];
            below = h.cumulative()[i];
        }
        long above = h.count() - below;
        if (above > 0) {
            double max = Double.isNaN(h.max()) ? lower : Math.max(lower, h.max());
            out.add(new double[]{lower, max - lower, above});
        }
        return out;
    }

    /** C's {@code %g} as Envoy's fmt {@code {:g}} prints a bucket bound: 0.5, 300000, 1.8e+06. */
    static String g(double v) {
        if (v == 0 || Double.isNaN(v) || Double.isInfinite(v)) {
            return v == 0 ? "0" : Double.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
        }
        BigDecimal d = new BigDecimal(v).round(new MathContext(6));
        int exponent = d.precision() - d.scale() - 1;
        if (exponent < -4 || exponent >= 6) {
            String mantissa = d.movePointLeft(exponent).stripTrailingZeros().toPlainString();
            int e = Math.abs(exponent);
            return mantissa + (exponent < 0 ? "e-" : "e+") + (e < 10 ? "0" : "") + e;
        }
        return d.stripTrailingZeros().toPlainString();
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
