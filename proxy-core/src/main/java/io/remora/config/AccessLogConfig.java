package io.remora.config;

import java.util.List;
import java.util.Map;

/**
 * An access log sink ({@code file}, {@code stdout}, {@code stderr} loggers).
 *
 * @param path       file path for FILE sinks, else null
 * @param textFormat Envoy format string, or null for Envoy's default format
 * @param jsonFormat key → format string for JSON logs, or null for text
 * @param filter     which streams are logged ({@code filter}); null: all of them
 * @param omitEmptyValues {@code omit_empty_values}: a missing value prints as nothing in text (not
 *                   "-") and its key is left out of JSON
 * @param external   for EXTERNAL sinks, the logger's own config, built by the factory given to
 *                   {@link io.remora.accesslog.AccessLogs#external} (loggers that need protobuf or a
 *                   gRPC client live outside proxy-core); else null
 */
public record AccessLogConfig(Sink sink, String path, String textFormat, Map<String, String> jsonFormat,
                              AccessLogFilter filter, boolean omitEmptyValues,
                              List<io.remora.accesslog.FormatterCommand> commands, Object external) {
    public enum Sink { FILE, STDOUT, STDERR, EXTERNAL }

    public AccessLogConfig {
        commands = commands == null ? List.of() : List.copyOf(commands);
    }

    public AccessLogConfig(Sink sink, String path, String textFormat, Map<String, String> jsonFormat,
                           AccessLogFilter filter, boolean omitEmptyValues,
                           List<io.remora.accesslog.FormatterCommand> commands) {
        this(sink, path, textFormat, jsonFormat, filter, omitEmptyValues, commands, null);
    }

    /** A logger built outside proxy-core from {@code external}, logging the streams {@code filter} passes. */
    public static AccessLogConfig external(Object external, AccessLogFilter filter) {
        return new AccessLogConfig(Sink.EXTERNAL, null, null, null, filter, false, List.of(), external);
    }

    public AccessLogConfig(Sink sink, String path, String textFormat, Map<String, String> jsonFormat,
                           AccessLogFilter filter, boolean omitEmptyValues) {
        this(sink, path, textFormat, jsonFormat, filter, omitEmptyValues, List.of());
    }

    public AccessLogConfig(Sink sink, String path, String textFormat, Map<String, String> jsonFormat,
                           AccessLogFilter filter) {
        this(sink, path, textFormat, jsonFormat, filter, false);
    }

    /** A log of every stream. */
    public AccessLogConfig(Sink sink, String path, String textFormat, Map<String, String> jsonFormat) {
        this(sink, path, textFormat, jsonFormat, null);
    }
}
