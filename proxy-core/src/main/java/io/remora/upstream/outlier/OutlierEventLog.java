package io.remora.upstream.outlier;

import io.remora.upstream.EventLogFile;

import java.util.concurrent.TimeUnit;

/**
 * The bootstrap's outlier event log: each {@code envoy.data.cluster.v3.OutlierDetectionEvent} as
 * proto3 JSON with Envoy's field names, one line per ejection or return. Detector thread only.
 */
final class OutlierEventLog {
    private final String clusterName;
    private final EventLogFile file;

    OutlierEventLog(String clusterName, EventLogFile file) {
        this.clusterName = clusterName;
        this.file = file;
    }

    /** An ejection, enforced or only detected, with the success rates that decided it. */
    void eject(HostMonitor m, EjectionType type, boolean enforced, long now, double clusterAverage, double threshold) {
        StringBuilder sb = common(m, type, m.lastUnejectionNanos, now);
        sb.append(",\"action\":\"EJECT\",\"num_ejections\":").append(m.numEjections)
                .append(",\"enforced\":").append(enforced);
        double hostRate = type.localOrigin() ? m.localOriginSuccessRate : m.successRate;
        switch (type) {
            case SUCCESS_RATE, SUCCESS_RATE_LOCAL_ORIGIN -> sb.append(",\"eject_success_rate_event\":{")
                    .append("\"host_success_rate\":").append((long) hostRate)
                    .append(",\"cluster_average_success_rate\":").append((long) clusterAverage)
                    .append(",\"cluster_success_rate_ejection_threshold\":").append((long) threshold).append('}');
            case FAILURE_PERCENTAGE, FAILURE_PERCENTAGE_LOCAL_ORIGIN -> sb.append(",\"eject_failure_percentage_event\":{")
                    .append("\"host_success_rate\":").append((long) hostRate).append('}');
            default -> sb.append(",\"eject_consecutive_event\":{}");
        }
        file.write(sb.append('}').toString());
    }

    void uneject(HostMonitor m, long now) {
        // Envoy leaves the type at its default (CONSECUTIVE_5XX) in uneject events.
        StringBuilder sb = common(m, EjectionType.CONSECUTIVE_5XX, m.lastEjectionNanos, now);
        sb.append(",\"action\":\"UNEJECT\",\"num_ejections\":").append(m.numEjections).append(",\"enforced\":false}");
        file.write(sb.toString());
    }

    private StringBuilder common(HostMonitor m, EjectionType type, long sinceNanos, long now) {
        StringBuilder sb = new StringBuilder(256);
        sb.append("{\"type\":\"").append(type.name()).append("\",\"timestamp\":\"")
                .append(EventLogFile.timestamp(System.currentTimeMillis())).append('"');
        if (sinceNanos >= 0) {
            sb.append(",\"secs_since_last_action\":\"").append(TimeUnit.NANOSECONDS.toSeconds(now - sinceNanos)).append('"');
        }
        sb.append(",\"cluster_name\":");
        io.remora.util.JsonStrings.quote(sb, clusterName);
        sb.append(",\"upstream_url\":");
        io.remora.util.JsonStrings.quote(sb, m.host.addressString());
        return sb;
    }
}
