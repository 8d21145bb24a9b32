package io.remora.stats;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Prometheus text exposition 0.0.4 of every meter, under Envoy's names and labels unchanged, so
 * Istio's and Envoy's dashboards and recording rules work as they do against Envoy's
 * {@code /stats/prometheus}.
 *
 * <p>Why some families are {@code untyped}: Envoy declares {@code # TYPE envoy_cluster_upstream_rq_xx
 * counter} and writes no {@code # HELP}. {@code promtool check metrics} (which CI runs) lints
 * that as failing: "counter metrics should have "_total" suffix", "non-counter metrics should not
 * have "_total" suffix" (Envoy's gauge {@code envoy_cluster_membership_total}) and "no help text",
 * and exits non-zero. Renaming counters to {@code ..._xx_total} would break every dashboard built
 * on Envoy's names, so the names stay and the declared type gives way instead: a family whose
 * name contradicts its type by Prometheus' naming rules is declared {@code untyped}, which the
 * linter accepts and which PromQL treats exactly like a counter ({@code rate()} and
 * {@code increase()} work on any series; the TYPE line only feeds metadata). Families whose names
 * agree with their type ({@code *_total} counters, gauges, histograms) keep their real type.
 * Every family gets a {@code # HELP} naming the Envoy stat it exposes. Envoy stat names with
 * abbreviated units ({@code *_ms}) are also rejected by the linter, and new stats should be checked with promtool
 * before they are added. Such names fail the linter whatever their type ("use base unit seconds instead of days",
 * "metric names should not contain abbreviated units"): {@code server.days_until_first_cert_expiring},
 * {@code cluster.<name>.upstream_cx_connect_ms} and {@code upstream_cx_length_ms} stay in {@code /stats} and the
 * sinks and are left out here ({@link #LINT_REJECTED}); {@code server.seconds_until_first_ocsp_response_expiring} is exported.
 */
public final class PrometheusExposition {

    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** Envoy's names that promtool rejects for their unit, not exported (see above). */
    private static final java.util.Set<String> LINT_REJECTED = java.util.Set.of("envoy_server_days_until_first_cert_expiring",
            "envoy_cluster_upstream_cx_connect_ms", "envoy_cluster_upstream_cx_length_ms");

    private PrometheusExposition() {
    }

    public static String scrape(MeterRegistry registry) {
        return scrape(registry, new ExportedNames(null), false, null);
    }

    /**
     * @param usedOnly Envoy's {@code ?usedonly}: skip stats never written ({@link UsedStats})
     * @param filter   Envoy's {@code ?filter=}: keep stats whose dotted Envoy name it finds, or null
     */
    public static String scrape(MeterRegistry registry, boolean usedOnly, Pattern filter) {
        return scrape(registry, new ExportedNames(null), usedOnly, filter == null ? null : n -> filter.matcher(n).find());
    }

    /** The registry's meters under the names and labels its {@code stats_tags} give them. */
    public static String scrape(StatsRegistry stats, boolean usedOnly, Predicate<String> filter) {
        return scrape(stats.meterRegistry(), stats.exportedNames(), usedOnly, filter);
    }

    /**
     * As {@link #scrape(StatsRegistry, boolean, Predicate)}, then the per-endpoint stats as Envoy
     * appends them: counter families, then gauge families, each family sorted by name. They are
     * never dropped by {@code usedonly} (Envoy counts them all as used).
     */
    public static String scrape(StatsRegistry stats, boolean usedOnly, Predicate<String> filter,
                                List<EndpointStat> endpoints) {
        return scrape(stats, usedOnly, filter, endpoints, false);
    }

    /**
     * With Envoy's {@code ?text_readouts}: each text readout as a gauge of value 1 carrying its text in a
     * {@code text_value} label (prometheus_stats.cc generateTextReadoutOutput).
     */
    public static String scrape(StatsRegistry stats, boolean usedOnly, Predicate<String> filter,
                                List<EndpointStat> endpoints, boolean textReadouts) {
        String meters = scrape(stats.meterRegistry(), stats.exportedNames(), usedOnly, filter, textReadouts);
        if (endpoints.isEmpty()) {
            return meters;
        }
        List<Tag> fixed = stats.exportedNames().fixedLabels();
        Map<String, List<EndpointStat>> counters = new TreeMap<>();
        Map<String, List<EndpointStat>> gauges = new TreeMap<>();
        for (EndpointStat e : endpoints) {
            if (filter == null || filter.test(e.dottedName())) {
                (e.gauge() ? gauges : counters).computeIfAbsent(e.family(), k -> new ArrayList<>()).add(e);
            }
        }
        StringBuilder sb = new StringBuilder(meters.length() + endpoints.size() * 128).append(meters);
        for (Map<String, List<EndpointStat>> kind : List.of(counters, gauges)) {
            for (Map.Entry<String, List<EndpointStat>> f : kind.entrySet()) {
                String name = f.getKey();
                List<EndpointStat> family = f.getValue();
                family.sort(Comparator.comparing(EndpointStat::dottedName));
                EndpointStat first = family.get(0);
                sb.append("# HELP ").append(name).append(' ');
                appendHelp(sb, "cluster.<" + EndpointStat.CLUSTER_TAG + ">.endpoint.<" + EndpointStat.ADDRESS_TAG
                        + ">." + first.stat());
                sb.append('\n');
                sb.append("# TYPE ").append(name).append(' ')
                        .append(type(name, first.gauge() ? MeterValues.Kind.GAUGE : MeterValues.Kind.COUNTER)).append('\n');
                for (EndpointStat e : family) {
                    sb.append(name);
                    appendLabels(sb, e.labels(fixed), null);
                    sb.append(' ').append(e.value()).append('\n');
                }
            }
        }
        return sb.toString();
    }

    /** A meter's series; {@code text} is a text readout's value (a gauge of 1), else null. */
    private record Series(Meter meter, List<Tag> labels, String help, String text) {
    }

    private static String scrape(MeterRegistry registry, ExportedNames names, boolean usedOnly,
                                 Predicate<String> filter) {
        return scrape(registry, names, usedOnly, filter, false);
    }

    private static String scrape(MeterRegistry registry, ExportedNames names, boolean usedOnly,
                                 Predicate<String> filter, boolean textReadouts) {
        Map<String, List<Series>> families = new TreeMap<>();
        java.util.Set<String> retired = RetiredClusters.of(registry);
        for (Meter m : registry.getMeters()) {
            if (RetiredClusters.hidden(retired, m)) {
                continue;
            }
            MeterValues.Kind kind = MeterValues.kind(m);
            if (kind == MeterValues.Kind.OTHER) {
                TextReadout text = textReadouts ? TextReadout.of(m) : null;
                if (text != null && (!usedOnly || text.used())) {
                    ExportedNames.Exported e = names.of(m.getId());
                    if (filter == null || filter.test(e.dottedName())) {
                        List<Tag> labels = new ArrayList<>(e.labels());
                        labels.add(Tag.of("text_value", text.value()));
                        families.computeIfAbsent(e.name(), k -> new ArrayList<>())
                                .add(new Series(m, labels, e.help(), text.value()));
                    }
                }
                continue;
            }
            ExportedNames.Exported e = names.of(m.getId());
            if (LINT_REJECTED.contains(e.name()) || filter != null && !filter.test(e.dottedName())) {
                continue;
            }
            // every read of a gauge may find it written (UsedStats), usedonly or not
            boolean used = (usedOnly || kind == MeterValues.Kind.GAUGE) ? UsedStats.used(registry, m, kind) : true;
            if (usedOnly && !used) {
                continue;
            }
            families.computeIfAbsent(e.name(), k -> new ArrayList<>()).add(new Series(m, e.labels(), e.help(), null));
        }
        StringBuilder sb = new StringBuilder(families.size() * 128);
        for (Map.Entry<String, List<Series>> e : families.entrySet()) {
            List<Series> series = e.getValue();
            series.sort(Comparator.comparing(s -> s.labels().toString()));
            writeFamily(sb, e.getKey(), series);
        }
        return sb.toString();
    }

    private static void writeFamily(StringBuilder sb, String name, List<Series> series) {
        MeterValues.Kind kind = series.get(0).text() != null ? MeterValues.Kind.GAUGE
                : MeterValues.kind(series.get(0).meter());
        sb.append("# HELP ").append(name).append(' ');
        appendHelp(sb, series.get(0).help());
        sb.append('\n');
        sb.append("# TYPE ").append(name).append(' ').append(type(name, kind)).append('\n');
        for (Series s : series) {
            Meter m = s.meter();
            if (s.text() != null) {
                sb.append(name);
                appendLabels(sb, s.labels(), null);
                sb.append(" 1\n");
                continue;
            }
            if (MeterValues.kind(m) != kind) {
                continue; // one name, one type: a stray meter of another kind would corrupt the family
            }
            if (kind == MeterValues.Kind.HISTOGRAM) {
                writeHistogram(sb, name, m, s.labels());
            } else {
                sb.append(name);
                appendLabels(sb, s.labels(), null);
                sb.append(' ');
                MeterValues.appendNumber(sb, MeterValues.value(m));
                sb.append('\n');
            }
        }
    }

    /** The declared type; see the class comment for why a name/type contradiction becomes untyped. */
    static String type(String name, MeterValues.Kind kind) {
        boolean total = name.endsWith("_total");
        boolean reserved = name.endsWith("_count") || name.endsWith("_sum") || name.endsWith("_bucket");
        return switch (kind) {
            case COUNTER -> total ? "counter" : "untyped";
            case GAUGE -> total || reserved ? "untyped" : "gauge";
            case HISTOGRAM -> "histogram";
            case OTHER -> "untyped";
        };
    }

    private static void appendHelp(StringBuilder sb, String template) {
        String text = "Envoy stat " + template;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                sb.append("\\\\");
            } else if (c == '\n') {
                sb.append("\\n");
            } else {
                sb.append(c);
            }
        }
    }

    private static void writeHistogram(StringBuilder sb, String name, Meter m, List<Tag> labels) {
        MeterValues.Histogram h = MeterValues.histogram(m);
        for (int i = 0; i < h.bounds().length; i++) {
            sb.append(name).append("_bucket");
            appendLabels(sb, labels, h.bounds()[i]);
            sb.append(' ').append(h.cumulative()[i]).append('\n');
        }
        sb.append(name).append("_bucket");
        appendLabels(sb, labels, Double.POSITIVE_INFINITY);
        sb.append(' ').append(h.count()).append('\n');
        sb.append(name).append("_sum");
        appendLabels(sb, labels, null);
        sb.append(' ');
        MeterValues.appendNumber(sb, h.sum());
        sb.append('\n');
        sb.append(name).append("_count");
        appendLabels(sb, labels, null);
        sb.append(' ').append(h.count()).append('\n');
    }

    private static void appendLabels(StringBuilder sb, List<Tag> tags, Double le) {
        if (tags.isEmpty() && le == null) {
            return;
        }
        sb.append('{');
        boolean first = true;
        for (Tag t : tags) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            sb.append(t.getKey()).append("=\"");
            appendEscapedValue(sb, t.getValue());
            sb.append('"');
        }
        if (le != null) {
            if (!first) {
                sb.append(',');
            }
            sb.append("le=\"");
            MeterValues.appendNumber(sb, le);
            sb.append('"');
        }
        sb.append('}');
    }

    private static void appendEscapedValue(StringBuilder sb, String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '"' -> sb.append("\\\"");
                case '\n' -> sb.append("\\n");
                default -> sb.append(c);
            }
        }
    }
}
