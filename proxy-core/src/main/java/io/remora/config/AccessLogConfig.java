package io.remora.config;

import java.util.Map;

/**
 * An access log sink ({@code file}, {@code stdout}, {@code stderr} loggers).
 *
 * @param path       file path for FILE sinks, else null
 * @param textFormat Envoy format string, or null for Envoy's default format
 * @param jsonFormat key → format string for JSON logs, or null for text
 * @param filter     which streams are logged ({@code filter}); null: all of them
 */
public record AccessLogConfig(Sink sink, String path, String textFormat, Map<String, String> jsonFormat,
                              AccessLogFilter filter) {
    public enum Sink { FILE, STDOUT, STDERR }

    /** A log of every stream. */
    public AccessLogConfig(Sink sink, String path, String textFormat, Map<String, String> jsonFormat) {
        this(sink, path, textFormat, jsonFormat, null);
    }
}
