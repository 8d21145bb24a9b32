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
public record AccessLogConfig(Sink sink, String path, String textFormat, Map<String, Object> jsonFormat,
                              AccessLogFilter filter, boolean omitEmptyValues,
                              List<io.remora.accesslog.FormatterCommand> commands, Object external) {
    public enum Sink { FILE, STDOUT, STDERR, EXTERNAL }

    public AccessLogConfig {
        commands = commands == null ? List.of() : List.copyOf(commands);
    }

    /** A logger built outside proxy-core from {@code external}, logging the streams {@code filter} passes. */
    public static AccessLogConfig external(Object external, AccessLogFilter filter) {
        return builder(Sink.EXTERNAL).filter(filter).external(external).build();
    }

    /** A log of every stream to {@code sink}, in Envoy's default text format, until told otherwise. */
    public static Builder builder(Sink sink) {
        return new Builder(sink);
    }

    public static final class Builder {
        private final Sink sink;
        private String path;
        private String textFormat;
        private Map<String, Object> jsonFormat;
        private AccessLogFilter filter;
        private boolean omitEmptyValues;
        private List<io.remora.accesslog.FormatterCommand> commands = List.of();
        private Object external;

        private Builder(Sink sink) {
            this.sink = sink;
        }

        public Builder path(String v) {
            this.path = v;
            return this;
        }

        public Builder textFormat(String v) {
            this.textFormat = v;
            return this;
        }

        public Builder jsonFormat(Map<String, Object> v) {
            this.jsonFormat = v;
            return this;
        }

        public Builder filter(AccessLogFilter v) {
            this.filter = v;
            return this;
        }

        public Builder omitEmptyValues(boolean v) {
            this.omitEmptyValues = v;
            return this;
        }

        public Builder commands(List<io.remora.accesslog.FormatterCommand> v) {
            this.commands = v;
            return this;
        }

        public Builder external(Object v) {
            this.external = v;
            return this;
        }

        public AccessLogConfig build() {
            return new AccessLogConfig(sink, path, textFormat, jsonFormat, filter, omitEmptyValues, commands, external);
        }
    }
}
