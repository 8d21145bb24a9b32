package io.remora.upstream.orca;

import java.util.List;

/**
 * The fields of one ORCA load report ({@code xds.data.orca.v3.OrcaLoadReport}) that client-side
 * weighted round robin reads. Map entries ({@code named_metrics}, {@code utilization}) are not
 * kept: while parsing, each is compared with the configured
 * {@code metric_names_for_computing_utilization} and only the largest match is remembered.
 */
public final class OrcaLoadReport {
    double cpuUtilization;
    double memUtilization;
    double applicationUtilization;
    double rpsFractional;
    double eps;
    /** Largest value among the configured metric names seen so far; 0 when none. */
    double maxNamedUtilization;
    private final List<String> metricNames;
    /** Every map entry by {@code <map>.<key>}, for load reports; null unless parsed with {@link #KEEP_ENTRIES}. */
    private final java.util.Map<String, Double> entries;

    /**
     * The metric names that ask the parsers to keep every map entry ({@link #entries}), as load
     * reports need, rather than only the largest configured one, as weighting does.
     */
    static final List<String> KEEP_ENTRIES = java.util.Collections.unmodifiableList(new java.util.ArrayList<>());

    /** @param metricNames {@code metric_names_for_computing_utilization}, or {@link #KEEP_ENTRIES} */
    public OrcaLoadReport(List<String> metricNames) {
        this.metricNames = metricNames;
        this.entries = metricNames == KEEP_ENTRIES ? new java.util.HashMap<>() : null;
    }

    java.util.Map<String, Double> entries() {
        return entries;
    }

    /** A map entry ({@code mapField} is {@code named_metrics} or {@code utilization}). */
    void mapEntry(String mapField, CharSequence key, double value) {
        if (entries != null) {
            entries.put(mapField + "." + key, value);
            return;
        }
        for (int i = 0; i < metricNames.size(); i++) {
            String name = metricNames.get(i);
            if (name.length() == mapField.length() + 1 + key.length() && name.startsWith(mapField)
                    && name.charAt(mapField.length()) == '.'
                    && name.regionMatches(mapField.length() + 1, key.toString(), 0, key.length())) {
                maxNamedUtilization = Math.max(maxNamedUtilization, value);
            }
        }
    }

    /**
     * Envoy's getUtilizationFromOrcaReport: {@code application_utilization} when positive, else the
     * largest configured metric when positive, else {@code cpu_utilization}.
     */
    double utilization() {
        if (applicationUtilization > 0) {
            return applicationUtilization;
        }
        double named = maxNamedUtilization;
        for (int i = 0; i < metricNames.size(); i++) {
            double v = switch (metricNames.get(i)) {
                case "cpu_utilization" -> cpuUtilization;
                case "mem_utilization" -> memUtilization;
                case "application_utilization" -> applicationUtilization;
                default -> 0;
            };
            named = Math.max(named, v);
        }
        return named > 0 ? named : cpuUtilization;
    }

    /**
     * The weight this report gives, {@code qps / (utilization + eps / qps × penalty)} capped to
     * uint32 as Envoy computes it; -1 when the report has no positive qps or utilization.
     */
    public long weight(double errorUtilizationPenalty) {
        double qps = rpsFractional;
        if (!(qps > 0)) {
            return -1;
        }
        double utilization = utilization() + errorUtilizationPenalty * eps / qps;
        if (!(utilization > 0)) {
            return -1;
        }
        double w = qps / utilization;
        return w > 0xFFFFFFFFL ? 0xFFFFFFFFL : (long) w;
    }
}
