package io.remora.upstream.health;

import io.remora.upstream.EventLogFile;
import io.remora.upstream.Host;
import io.remora.util.JsonStrings;

/**
 * A checker's {@code event_log_path} and file {@code event_logger}s: each {@code envoy.data.core.v3.HealthCheckEvent} as proto3
 * JSON, fields in Envoy's order (the event before the timestamp when its field number is lower).
 */
final class HealthCheckEvents {

    private final java.util.List<EventLogFile> files;
    private final String checkerType;
    private final String clusterName;

    HealthCheckEvents(java.util.List<EventLogFile> files, String checkerType, String clusterName) {
        this.files = files;
        this.checkerType = checkerType;
        this.clusterName = clusterName;
    }

    /** One event: {@code field} (proto field {@code fieldNumber}) with its JSON {@code body}. */
    void log(Host host, String field, String body, int fieldNumber) {
        StringBuilder sb = new StringBuilder(320);
        sb.append("{\"health_checker_type\":\"").append(checkerType).append("\",\"host\":");
        appendAddress(sb, host);
        sb.append(",\"cluster_name\":");
        JsonStrings.quote(sb, clusterName);
        String ts = ",\"timestamp\":\"" + EventLogFile.timestamp(System.currentTimeMillis()) + "\"";
        if (fieldNumber < 6) {
            sb.append(",\"").append(field).append("\":").append(body).append(ts);
        } else {
            sb.append(ts).append(",\"").append(field).append("\":").append(body);
        }
        // As Envoy's event logger: the endpoint's metadata when it has any, its locality always
        // (typed metadata is not kept, so printed empty).
        var metadata = io.remora.upstream.HostMetadata.all(host);
        if (!metadata.isEmpty()) {
            sb.append(",\"metadata\":{\"filter_metadata\":");
            io.remora.admin.Json.write(sb, sorted(metadata));
            sb.append(",\"typed_filter_metadata\":{}}");
        }
        var l = host.locality();
        if (l != null) {
            sb.append(",\"locality\":{\"region\":");
            JsonStrings.quote(sb, l.region());
            sb.append(",\"zone\":");
            JsonStrings.quote(sb, l.zone());
            sb.append(",\"sub_zone\":");
            JsonStrings.quote(sb, l.subZone());
            sb.append('}');
        }
        String line = sb.append('}').toString();
        for (EventLogFile f : files) {
            f.write(line);
        }
    }

    /** Struct fields in name order, as protobuf's JSON printer writes a map. */
    private static Object sorted(Object v) {
        if (v instanceof java.util.Map<?, ?> m) {
            java.util.Map<String, Object> out = new java.util.TreeMap<>();
            m.forEach((k, x) -> out.put(String.valueOf(k), sorted(x)));
            return out;
        }
        if (v instanceof java.util.List<?> list) {
            return list.stream().map(HealthCheckEvents::sorted).toList();
        }
        return v;
    }

    private static void appendAddress(StringBuilder sb, Host h) {
        if (h.address() instanceof java.net.InetSocketAddress a) {
            sb.append("{\"socket_address\":{\"protocol\":\"TCP\",\"address\":\"")
                    .append(a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString())
                    .append("\",\"resolver_name\":\"\",\"ipv4_compat\":false,\"port_value\":").append(a.getPort())
                    .append("}}");
        } else {
            sb.append("{\"pipe\":{\"path\":");
            JsonStrings.quote(sb, String.valueOf(h.address()));
            sb.append(",\"mode\":0}}");
        }
    }
}
