package io.remora.stats;

import static io.remora.util.JsonStrings.quote;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Envoy's admin {@code /stats} in its text form ({@code cluster.a.upstream_rq_total: 5}) and as
 * JSON ({@code ?format=json}). Text readouts come first ({@code name: "value"}), then counters and gauges, each
 * sorted by name, then histograms, as Envoy's StatsRequest orders them, in the {@code ?histogram_buckets=} mode asked
 * for ({@link HistogramRender}). Histogram quantiles are estimated from the bucket counts (Envoy keeps a finer
 * histogram); there are no per-interval values, so the interval half prints {@code nan}.
 *
 * <p>{@code usedonly} keeps the stats Envoy flags as used ({@link UsedStats}). Istio's readiness probe
 * asks for {@code /stats?usedonly&filter=^(server\.state|listener_manager\.workers_started)} and
 * needs both lines: {@code server.state: 0} (LIVE) and {@code workers_started} once set.
 */
public final class EnvoyStatsFormat {

    private EnvoyStatsFormat() {
    }

    /** Envoy's {@code /stats?type=}: the kinds of stat listed. */
    public enum Type {
        ALL("All"), COUNTERS("Counters"), GAUGES("Gauges"), HISTOGRAMS("Histograms"), TEXT_READOUTS("TextReadouts");

        private final String label;

        Type(String label) {
            this.label = label;
        }

        /** The type Envoy's label names (null: All), or null for a label Envoy does not know. */
        public static Type of(String label) {
            if (label == null) {
                return ALL;
            }
            for (Type t : values()) {
                if (t.label.equals(label)) {
                    return t;
                }
            }
            return null;
        }

        boolean lists(MeterValues.Kind kind, boolean text) {
            return switch (this) {
                case ALL -> true;
                case COUNTERS -> kind == MeterValues.Kind.COUNTER;
                case GAUGES -> kind == MeterValues.Kind.GAUGE;
                case HISTOGRAMS -> kind == MeterValues.Kind.HISTOGRAM;
                case TEXT_READOUTS -> text;
            };
        }
    }

    private record Stats(Map<String, String> texts, Map<String, Double> values,
                         Map<String, MeterValues.Histogram> histograms) {
    }

    private static Stats collect(MeterRegistry registry, boolean usedOnly, Predicate<String> filter) {
        return collect(registry, usedOnly, filter, List.of(), Type.ALL);
    }

    /**
     * The meters, then the per-endpoint stats after the counters and gauges, unsorted among
     * themselves, as Envoy's StatsRequest renders them; {@code usedonly} keeps them all, as Envoy's.
     */
    private static Stats collect(MeterRegistry registry, boolean usedOnly, Predicate<String> filter,
                                 List<EndpointStat> endpoints, Type type) {
        Stats meters = collectMeters(registry, usedOnly, filter, type);
        if (endpoints.isEmpty()) {
            return meters;
        }
        Map<String, Double> values = new java.util.LinkedHashMap<>(meters.values());
        for (EndpointStat e : endpoints) {
            String name = e.dottedName();
            if ((filter == null || filter.test(name))
                    && type.lists(e.gauge() ? MeterValues.Kind.GAUGE : MeterValues.Kind.COUNTER, false)) {
                values.put(name, (double) e.value());
            }
        }
        return new Stats(meters.texts(), values, meters.histograms());
    }

    private static Stats collectMeters(MeterRegistry registry, boolean usedOnly, Predicate<String> filter,
                                       Type type) {
        Map<String, String> texts = new TreeMap<>();
        Map<String, Double> values = new TreeMap<>();
        Map<String, MeterValues.Histogram> histograms = new TreeMap<>();
        java.util.Set<String> retired = RetiredClusters.of(registry);
        for (Meter m : registry.getMeters()) {
            if (RetiredClusters.hidden(retired, m)) {
                continue;
            }
            MeterValues.Kind kind = MeterValues.kind(m);
            TextReadout text = kind == MeterValues.Kind.OTHER ? TextReadout.of(m) : null;
            if (kind == MeterValues.Kind.OTHER && text == null || !type.lists(kind, text != null)) {
                continue;
            }
            String name = StatNames.envoyName(m.getId());
            if (filter != null && !filter.test(name)) {
                continue;
            }
            if (text != null) {
                if (!usedOnly || text.used()) {
                    texts.put(name, text.value());
                }
                continue;
            }
            if (kind == MeterValues.Kind.HISTOGRAM) {
                MeterValues.Histogram h = MeterValues.histogram(m);
                if (!usedOnly || h.count() > 0) {
                    histograms.put(name, h);
                }
            } else {
                double v = MeterValues.value(m);
                // every read of a gauge may find it written (UsedStats), usedonly or not
                boolean used = kind == MeterValues.Kind.GAUGE ? UsedStats.gaugeUsed(registry, m, v)
                        : !usedOnly || UsedStats.used(registry, m, kind);
                if (!usedOnly || used) {
                    values.put(name, v);
                }
            }
        }
        return new Stats(texts, values, histograms);
    }

    public static String text(MeterRegistry registry, boolean usedOnly, Pattern filter) {
        return textWhere(registry, usedOnly, predicate(filter));
    }

    public static String json(MeterRegistry registry, boolean usedOnly, Pattern filter) {
        return jsonWhere(registry, usedOnly, predicate(filter));
    }

    private static Predicate<String> predicate(Pattern filter) {
        return filter == null ? null : n -> filter.matcher(n).find();
    }

    /** @param filter Envoy's {@code ?filter=} (a partial RE2 match on the dotted name), or null */
    public static String textWhere(MeterRegistry registry, boolean usedOnly, Predicate<String> filter) {
        return textWhere(registry, usedOnly, filter, List.of());
    }

    /** With Envoy's per-endpoint stats after the counters and gauges. */
    public static String textWhere(MeterRegistry registry, boolean usedOnly, Predicate<String> filter,
                                   List<EndpointStat> endpoints) {
        return textWhere(registry, usedOnly, filter, endpoints, Type.ALL);
    }

    /** Only the stats of {@code type} (Envoy's {@code ?type=}). */
    public static String textWhere(MeterRegistry registry, boolean usedOnly, Predicate<String> filter,
                                   List<EndpointStat> endpoints, Type type) {
        return textWhere(registry, usedOnly, filter, endpoints, type, null);
    }

    /** With histograms in Envoy's {@code ?histogram_buckets=} mode (null: summary; see {@link #validBuckets}). */
    public static String textWhere(MeterRegistry registry, boolean usedOnly, Predicate<String> filter,
                                   List<EndpointStat> endpoints, Type type, String histogramBuckets) {
        HistogramRender.Mode mode = mode(histogramBuckets);
        Stats s = collect(registry, usedOnly, filter, endpoints, type);
        StringBuilder sb = new StringBuilder(s.values().size() * 48);
        for (Map.Entry<String, String> e : s.texts().entrySet()) {
            sb.append(e.getKey()).append(": \"").append(e.getValue()).append("\"\n");
        }
        for (Map.Entry<String, Double> e : s.values().entrySet()) {
            sb.append(e.getKey()).append(": ");
            MeterValues.appendNumber(sb, e.getValue());
            sb.append('\n');
        }
        for (Map.Entry<String, MeterValues.Histogram> e : s.histograms().entrySet()) {
            HistogramRender.text(sb, e.getKey(), e.getValue(), mode);
        }
        return sb.toString();
    }

    public static String jsonWhere(MeterRegistry registry, boolean usedOnly, Predicate<String> filter) {
        return jsonWhere(registry, usedOnly, filter, List.of());
    }

    /** With Envoy's per-endpoint stats after the counters and gauges. */
    public static String jsonWhere(MeterRegistry registry, boolean usedOnly, Predicate<String> filter,
                                   List<EndpointStat> endpoints) {
        return jsonWhere(registry, usedOnly, filter, endpoints, Type.ALL);
    }

    /** Only the stats of {@code type} (Envoy's {@code ?type=}). */
    public static String jsonWhere(MeterRegistry registry, boolean usedOnly, Predicate<String> filter,
                                   List<EndpointStat> endpoints, Type type) {
        return jsonWhere(registry, usedOnly, filter, endpoints, type, null);
    }

    /** With histograms in Envoy's {@code ?histogram_buckets=} mode (null: summary; see {@link #validBuckets}). */
    public static String jsonWhere(MeterRegistry registry, boolean usedOnly, Predicate<String> filter,
                                   List<EndpointStat> endpoints, Type type, String histogramBuckets) {
        HistogramRender.Mode mode = mode(histogramBuckets);
        Stats s = collect(registry, usedOnly, filter, endpoints, type);
        StringBuilder sb = new StringBuilder(s.values().size() * 64);
        sb.append("{\"stats\":[");
        boolean first = true;
        for (Map.Entry<String, String> e : s.texts().entrySet()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            sb.append("{\"name\":");
            quote(sb, e.getKey());
            sb.append(",\"value\":");
            quote(sb, e.getValue());
            sb.append('}');
        }
        for (Map.Entry<String, Double> e : s.values().entrySet()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            sb.append("{\"name\":");
            quote(sb, e.getKey());
            sb.append(",\"value\":");
            double v = e.getValue();
            if (Double.isNaN(v) || Double.isInfinite(v)) {
                sb.append("null");
            } else {
                MeterValues.appendNumber(sb, v);
            }
            sb.append('}');
        }
        if (!s.histograms().isEmpty()) {
            if (!first) {
                sb.append(',');
            }
            HistogramRender.json(sb, s.histograms(), mode);
        }
        sb.append("]}");
        return sb.toString();
    }

    /** Whether Envoy's StatsParams takes this {@code ?histogram_buckets=} value (null: absent). */
    public static boolean validBuckets(String histogramBuckets) {
        return HistogramRender.Mode.of(histogramBuckets) != null;
    }

    private static HistogramRender.Mode mode(String histogramBuckets) {
        HistogramRender.Mode m = HistogramRender.Mode.of(histogramBuckets);
        if (m == null) {
            throw new IllegalArgumentException("histogram_buckets=" + histogramBuckets);
        }
        return m;
    }

    /** Linear interpolation inside the bucket that holds the q-th sample. */
    static double quantile(MeterValues.Histogram h, double q) {
        long count = h.count();
        double target = q * count;
        double lower = 0;
        long below = 0;
        for (int i = 0; i < h.bounds().length; i++) {
            long cum = h.cumulative()[i];
            if (cum >= target && cum > below) {
                double frac = (target - below) / (cum - below);
                return lower + (h.bounds()[i] - lower) * Math.max(0, frac);
            }
            lower = h.bounds()[i];
            below = cum;
        }
        return lower; // above the last bound: the best we know is that bound
    }

}
