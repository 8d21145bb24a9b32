package io.remora.xds.accesslog;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.remora.accesslog.FormatterCommand;

import java.util.List;

/**
 * {@code envoy.access_loggers.open_telemetry}, translated: the external config of an
 * {@link io.remora.config.AccessLogConfig.Sink#EXTERNAL} log.
 *
 * @param target             the collector and batching (shared by equal targets)
 * @param builtinLabels      false with {@code disable_builtin_labels}: no log_name/zone_name/cluster_name/node_name
 * @param resourceAttributes {@code resource_attributes}, sent as they are
 * @param body               {@code body}: string leaves are format strings; null when unset
 * @param attributes         {@code attributes}: string leaves are format strings
 * @param commands           formatter extensions' commands (CEL) the formats use
 */
public record OtelAccessLogConfig(GrpcLogTarget target, boolean builtinLabels, KeyValueList resourceAttributes,
                                  AnyValue body, KeyValueList attributes, List<FormatterCommand> commands) {
    public OtelAccessLogConfig {
        commands = commands == null ? List.of() : List.copyOf(commands);
    }

    /** What the shared exporter is keyed by: the target and the resource it describes. */
    record Exporter(GrpcLogTarget target, boolean builtinLabels, KeyValueList resourceAttributes) {
    }

    Exporter exporter() {
        return new Exporter(target, builtinLabels, resourceAttributes);
    }
}
