package io.remora.upstream.orca;

import io.netty.handler.codec.http2.Http2Headers;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A host's ORCA metrics for load reports (Envoy's LoadMetricStats): per metric name, how many
 * responses carried it and the sum of its values since the last {@link #latch}. Only hosts of
 * clusters with {@code lrs_report_endpoint_metrics} get one; responses of any worker add to it.
 */
public final class LoadMetricStats {
    /** Name to {count, sum}; null while nothing was added since the last latch. */
    private Map<String, double[]> stats;

    /**
     * Reads the ORCA report in {@code headers} (or trailers) and adds its metrics that
     * {@code names} select, as Envoy's addOrcaLoadReportToLoadMetricStats. True when the headers
     * carried a valid report (a response's trailers are then not read again).
     */
    public boolean onResponse(Http2Headers headers, List<String> names) {
        if (!OrcaHeaders.present(headers)) {
            return false;
        }
        OrcaLoadReport r = OrcaHeaders.parse(headers, OrcaLoadReport.KEEP_ENTRIES);
        if (r == null) {
            return false;
        }
        add(names, r);
        return true;
    }

    void add(List<String> names, OrcaLoadReport r) {
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            switch (name) {
                case "cpu_utilization" -> add(name, r.cpuUtilization);
                case "mem_utilization" -> add(name, r.memUtilization);
                case "application_utilization" -> add(name, r.applicationUtilization);
                case "eps" -> add(name, r.eps);
                case "rps_fractional" -> add(name, r.rpsFractional);
                default -> {
                    if (name.startsWith("named_metrics.")) {
                        entries(r, "named_metrics.", name);
                    } else if (name.startsWith("utilization.")) {
                        entries(r, "utilization.", name);
                    }
                }
            }
        }
    }

    /** {@code prefix*} adds every entry of that map, {@code prefix<key>} the one entry if present. */
    private void entries(OrcaLoadReport r, String prefix, String name) {
        if (name.length() == prefix.length() + 1 && name.endsWith("*")) {
            for (Map.Entry<String, Double> e : r.entries().entrySet()) {
                if (e.getKey().startsWith(prefix)) {
                    add(e.getKey(), e.getValue());
                }
            }
        } else {
            Double v = r.entries().get(name);
            if (v != null) {
                add(name, v);
            }
        }
    }

    public synchronized void add(String name, double value) {
        if (stats == null) {
            stats = new LinkedHashMap<>();
        }
        double[] s = stats.computeIfAbsent(name, k -> new double[2]);
        s[0]++;
        s[1] += value;
    }

    /** What was added since the last latch (name to {count, sum}), then forgotten; null when nothing. */
    public synchronized Map<String, double[]> latch() {
        Map<String, double[]> out = stats;
        stats = null;
        return out;
    }
}
