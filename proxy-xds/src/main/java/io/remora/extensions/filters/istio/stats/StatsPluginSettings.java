package io.remora.extensions.filters.istio.stats;

import com.google.protobuf.Message;
import io.remora.config.ListenerConfig;
import io.remora.extensions.cel.CelProgram;
import io.remora.extensions.filters.istio.common.IstioProtos;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Istio's {@code stats.PluginConfig} as the stats filters run it (HTTP and TCP alike).
 *
 * @param reporter                  which side this proxy reports as
 * @param disableHostHeaderFallback never take {@code destination_service} from the Host header
 * @param tcpReportingMillis        how often TCP counters are flushed while a connection lives (0: only at close)
 * @param dropped                   metrics not recorded (full names, {@code istio_requests_total})
 * @param removedTags               per metric (full name), the labels it does not carry
 * @param dimensions                per metric (full name), tags whose values are CEL expressions
 * @param definitions               custom metrics
 * @param rotationMillis            {@code rotation_interval}: how often the series scope is replaced (0: never)
 * @param gracefulDeletionMillis    {@code graceful_deletion_interval}: how long a replaced scope lives on (5 min)
 */
public record StatsPluginSettings(Reporter reporter, boolean disableHostHeaderFallback, long tcpReportingMillis,
                                  Set<String> dropped, Map<String, Set<String>> removedTags,
                                  Map<String, Map<String, CelProgram>> dimensions,
                                  List<MetricOverrides.Definition> definitions, long rotationMillis,
                                  long gracefulDeletionMillis) {

    /** Istio's reporters: a sidecar's outbound (source) or inbound (destination) side, or a waypoint. */
    public enum Reporter {
        CLIENT_SIDECAR("source"), SERVER_SIDECAR("destination"), SERVER_GATEWAY("waypoint");

        public final String label;

        Reporter(String label) {
            this.label = label;
        }

        public boolean server() {
            return this != CLIENT_SIDECAR;
        }
    }

    /** istio-proxy's default graceful_deletion_interval. */
    static final long DEFAULT_GRACEFUL_DELETION_MILLIS = 5 * 60_000;

    public StatsPluginSettings {
        dropped = Set.copyOf(dropped);
        Map<String, Set<String>> copy = new HashMap<>();
        removedTags.forEach((k, v) -> copy.put(k, Set.copyOf(v)));
        removedTags = Map.copyOf(copy);
        Map<String, Map<String, CelProgram>> dims = new HashMap<>();
        dimensions.forEach((k, v) -> dims.put(k, java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(v))));
        dimensions = Map.copyOf(dims);
        definitions = List.copyOf(definitions);
    }

    public StatsPluginSettings(Reporter reporter, boolean disableHostHeaderFallback, long tcpReportingMillis,
                               Set<String> dropped, Map<String, Set<String>> removedTags) {
        this(reporter, disableHostHeaderFallback, tcpReportingMillis, dropped, removedTags, Map.of(), List.of(), 0,
                DEFAULT_GRACEFUL_DELETION_MILLIS);
    }

    /** Whether a stream's attributes are needed (some tag or custom metric is an expression). */
    public boolean usesCel() {
        return !dimensions.isEmpty() || !definitions.isEmpty();
    }

    /** The labels a metric carries: {@code labels} minus what {@code tags_to_remove} took away. */
    public List<String> labelsOf(String metric, List<String> labels) {
        Set<String> removed = removedTags.get(metric);
        return removed == null ? labels : labels.stream().filter(l -> !removed.contains(l)).toList();
    }

    /** Translates a PluginConfig (null: the defaults); the reporter follows the listener's direction. */
    static StatsPluginSettings translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        Message m = config == null ? null : config.unpack(IstioProtos.PLUGIN_CONFIG, path);
        return fromMessage(m, path, ctx);
    }

    static StatsPluginSettings fromMessage(Message m, FieldPath path, TranslationContext ctx) {
        Reporter reporter = ctx.trafficDirection() == ListenerConfig.TrafficDirection.INBOUND
                ? Reporter.SERVER_SIDECAR : Reporter.CLIENT_SIDECAR;
        if (m == null) {
            return new StatsPluginSettings(reporter, false, 5000, Set.of(), Map.of(), Map.of(), List.of(), 0,
                    DEFAULT_GRACEFUL_DELETION_MILLIS);
        }
        String rep = IstioProtos.enumName(m, "reporter");
        if (rep.equals("SERVER_GATEWAY")) {
            reporter = Reporter.SERVER_GATEWAY;
        } else if (!rep.equals("UNSPECIFIED")) {
            throw path.field("reporter").error("unknown reporter " + rep);
        }
        long tcp = IstioProtos.millis(m, "tcp_reporting_duration", 5000);
        if (tcp < 0) {
            throw path.field("tcp_reporting_duration").error("must not be negative");
        }
        long rotation = IstioProtos.millis(m, "rotation_interval", 0);
        long deletion = IstioProtos.millis(m, "graceful_deletion_interval", DEFAULT_GRACEFUL_DELETION_MILLIS);
        for (String f : new String[]{"rotation_interval", "graceful_deletion_interval"}) {
            if ((f.equals("rotation_interval") ? rotation : deletion) < 0) {
                throw path.field(f).error("must not be negative");
            }
        }
        MetricOverrides o = MetricOverrides.of(m, path, ctx);
        return new StatsPluginSettings(reporter, IstioProtos.bool(m, "disable_host_header_fallback"), tcp, o.dropped,
                o.removedTags, o.dimensions, o.definitions, rotation, deletion);
    }
}
