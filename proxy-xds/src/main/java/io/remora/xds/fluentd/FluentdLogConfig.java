package io.remora.xds.fluentd;

import com.google.protobuf.Struct;
import io.remora.accesslog.FormatterCommand;
import io.remora.config.FluentdTarget;

import java.util.List;

/**
 * {@code envoy.access_loggers.fluentd}, translated: the external config of an
 * {@link io.remora.config.AccessLogConfig.Sink#EXTERNAL} log.
 *
 * @param target   the upstream, shared by equal targets
 * @param record   {@code record}: string leaves are format strings, as in a {@code json_format}
 * @param commands formatter extensions' commands (CEL) the record uses
 */
public record FluentdLogConfig(FluentdTarget target, Struct record, List<FormatterCommand> commands) {
    public FluentdLogConfig {
        commands = commands == null ? List.of() : List.copyOf(commands);
    }
}
