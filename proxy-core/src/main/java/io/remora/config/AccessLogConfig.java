package io.remora.config;

import java.util.Map;

/**
 * An access log sink ({@code file}, {@code stdout}, {@code stderr} loggers).
 *
 * @param path       file path for FILE sinks, else null
 * @param textFormat Envoy format string, or null for Envoy's default format
 * @param jsonFormat key → format string for JSON logs, or null for text
 */
public record AccessLogConfig(Sink sink, String path, String textFormat, Map<String, String> jsonFormat) {
    public enum Sink { FILE, STDOUT, STDERR }
}
