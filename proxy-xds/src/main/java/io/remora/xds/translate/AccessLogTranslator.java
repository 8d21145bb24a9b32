package io.remora.xds.translate;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StderrAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import io.remora.accesslog.AccessLogFormatter;
import io.remora.accesslog.FormatterCommand;
import io.remora.config.AccessLogConfig;
import io.remora.extensions.cel.CelFormatterCommand;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code config.accesslog.v3.AccessLog}: the file, stdout and stderr loggers, the gRPC ones
 * ({@link GrpcAccessLogTranslator}) and Fluentd ({@link FluentdTranslator}), with their
 * {@code filter} ({@link AccessLogFilterTranslator}).
 * Other loggers are observability, skipped with a warning.
 */
public final class AccessLogTranslator {

    private static final String FILE = "envoy.extensions.access_loggers.file.v3.FileAccessLog";
    private static final String STDOUT = "envoy.extensions.access_loggers.stream.v3.StdoutAccessLog";
    private static final String STDERR = "envoy.extensions.access_loggers.stream.v3.StderrAccessLog";
    private static final String HTTP_GRPC = "envoy.extensions.access_loggers.grpc.v3.HttpGrpcAccessLogConfig";
    private static final String TCP_GRPC = "envoy.extensions.access_loggers.grpc.v3.TcpGrpcAccessLogConfig";
    private static final String OPEN_TELEMETRY =
            "envoy.extensions.access_loggers.open_telemetry.v3.OpenTelemetryAccessLogConfig";
    private static final String FLUENTD = "envoy.extensions.access_loggers.fluentd.v3.FluentdAccessLogConfig";
    /** Envoy's names of the loggers above, for an entry that gives no typed_config. */
    private static final java.util.Map<String, String> BY_NAME = java.util.Map.of(
            "envoy.access_loggers.file", FILE, "envoy.access_loggers.stdout", STDOUT,
            "envoy.access_loggers.stderr", STDERR, "envoy.access_loggers.http_grpc", HTTP_GRPC,
            "envoy.access_loggers.tcp_grpc", TCP_GRPC, "envoy.access_loggers.open_telemetry", OPEN_TELEMETRY,
            "envoy.access_loggers.fluentd", FLUENTD);

    /** Formatter extensions whose commands are built in. */
    private static final java.util.Set<String> BUILT_IN_FORMATTERS = java.util.Set.of(
            "envoy.extensions.formatter.cel.v3.Cel",
            "envoy.extensions.formatter.req_without_query.v3.ReqWithoutQuery",
            "envoy.extensions.formatter.metadata.v3.Metadata");

    private AccessLogTranslator() {
    }

    public static List<AccessLogConfig> translate(List<AccessLog> logs, FieldPath path, TranslationContext ctx) {
        List<AccessLogConfig> out = new ArrayList<>();
        for (int i = 0; i < logs.size(); i++) {
            AccessLogConfig c = translate(logs.get(i), path.index(i), ctx);
            if (c != null) {
                out.add(c);
            }
        }
        return List.copyOf(out);
    }

    static AccessLogConfig translate(AccessLog log, FieldPath path, TranslationContext ctx) {
        com.google.protobuf.Any any = typedConfig(log, path);
        io.remora.config.AccessLogFilter filter = log.hasFilter()
                ? AccessLogFilterTranslator.translate(log.getFilter(), path.field("filter"), ctx) : null;
        FieldPath tp = path.field("typed_config");
        String type = Protos.typeName(any);
        switch (type) {
            case FILE -> {
                FileAccessLog f = Protos.unpack(any, FileAccessLog.class, tp);
                if (f.getPath().isEmpty()) {
                    throw tp.field("path").error("missing required field");
                }
                Format fmt = format(f, tp);
                return config(AccessLogConfig.Sink.FILE, f.getPath(), fmt, filter,
                        f.hasLogFormat() && f.getLogFormat().getOmitEmptyValues(), tp, ctx);
            }
            case STDOUT -> {
                StdoutAccessLog s = Protos.unpack(any, StdoutAccessLog.class, tp);
                Format fmt = s.hasLogFormat() ? format(s.getLogFormat(), tp.field("log_format")) : Format.DEFAULT;
                return config(AccessLogConfig.Sink.STDOUT, null, fmt, filter, s.getLogFormat().getOmitEmptyValues(),
                        tp, ctx);
            }
            case STDERR -> {
                StderrAccessLog s = Protos.unpack(any, StderrAccessLog.class, tp);
                Format fmt = s.hasLogFormat() ? format(s.getLogFormat(), tp.field("log_format")) : Format.DEFAULT;
                return config(AccessLogConfig.Sink.STDERR, null, fmt, filter, s.getLogFormat().getOmitEmptyValues(),
                        tp, ctx);
            }
            case OPEN_TELEMETRY -> {
                var o = GrpcAccessLogTranslator.openTelemetry(Protos.unpack(any,
                        io.envoyproxy.envoy.extensions.access_loggers.open_telemetry.v3.OpenTelemetryAccessLogConfig.class,
                        tp), log.getName(), tp, ctx);
                return o == null ? null : AccessLogConfig.external(o, filter);
            }
            case HTTP_GRPC -> {
                var h = GrpcAccessLogTranslator.http(Protos.unpack(any,
                        io.envoyproxy.envoy.extensions.access_loggers.grpc.v3.HttpGrpcAccessLogConfig.class, tp),
                        log.getName(), tp, ctx);
                return h == null ? null : AccessLogConfig.external(h, filter);
            }
            case TCP_GRPC -> {
                var t = GrpcAccessLogTranslator.tcp(Protos.unpack(any,
                        io.envoyproxy.envoy.extensions.access_loggers.grpc.v3.TcpGrpcAccessLogConfig.class, tp),
                        log.getName(), tp, ctx);
                return t == null ? null : AccessLogConfig.external(t, filter);
            }
            case FLUENTD -> {
                return AccessLogConfig.external(FluentdTranslator.accessLog(Protos.unpack(
                        any,
                        io.envoyproxy.envoy.extensions.access_loggers.fluentd.v3.FluentdAccessLogConfig.class, tp),
                        tp, ctx), filter);
            }
            default -> {
                ctx.warnOnce("access_log:" + type, "skipping unsupported access logger '" + log.getName() + "' ("
                        + type + "), first at " + path);
                return null;
            }
        }
    }

    /**
     * Envoy's getAndCheckFactory finds a logger with no typed_config (or {@code typed_config: {}}) by its
     * name and starts it from its empty config, as {@code - name: envoy.access_loggers.stdout} alone.
     */
    private static com.google.protobuf.Any typedConfig(AccessLog log, FieldPath path) {
        if (log.hasTypedConfig() && !log.getTypedConfig().getTypeUrl().isEmpty()) {
            return log.getTypedConfig();
        }
        String type = BY_NAME.get(log.getName());
        if (type == null) {
            throw path.field("typed_config").error("missing required field (no access logger is named '"
                    + log.getName() + "')");
        }
        return com.google.protobuf.Any.newBuilder().setTypeUrl("type.googleapis.com/" + type).build();
    }

    /**
     * The log's config, its format checked here as Envoy's parser checks it (an error names the
     * format's field); a format using {@code %CEL(...)%} gets the CEL command, its expressions
     * compiled here.
     */
    private static AccessLogConfig config(AccessLogConfig.Sink sink, String file, Format fmt,
                                          io.remora.config.AccessLogFilter filter, boolean omitEmpty, FieldPath path,
                                          TranslationContext ctx) {
        boolean[] celLeaf = {false};
        if (fmt.json != null) {
            leaves(fmt.json, fmt.path, (leaf, at) -> celLeaf[0] |= CelFormatterCommand.used(leaf));
        }
        boolean cel = CelFormatterCommand.used(fmt.text) || celLeaf[0];
        AccessLogConfig.Builder b = AccessLogConfig.builder(sink).path(file).textFormat(fmt.text).jsonFormat(fmt.json)
                .filter(filter).omitEmptyValues(omitEmpty);
        List<FormatterCommand> commands = cel ? List.of(new CelFormatterCommand(path, ctx)) : List.of();
        if (fmt.json != null) {
            leaves(fmt.json, fmt.path, (leaf, at) -> check(leaf, commands, at));
        } else if (fmt.text != null) {
            check(fmt.text, commands, fmt.path);
        }
        return cel ? b.commands(commands).build() : b.build();
    }

    /** A format string the substitution formatter refuses is an error at {@code path}. */
    private static void check(String format, List<FormatterCommand> commands, FieldPath path) {
        try {
            AccessLogFormatter.text(format, false, commands);
        } catch (IllegalArgumentException e) {
            throw path.error(e.getMessage());
        }
    }

    /** A log's format; {@code path} names its field (null for the default format) for errors. */
    record Format(String text, Map<String, Object> json, FieldPath path) {
        static final Format DEFAULT = new Format(null, null, null);
    }

    @SuppressWarnings("deprecation")
    private static Format format(FileAccessLog f, FieldPath path) {
        return switch (f.getAccessLogFormatCase()) {
            case FORMAT -> new Format(f.getFormat().isEmpty() ? null : f.getFormat(), null, path.field("format"));
            case JSON_FORMAT -> new Format(null, json(f.getJsonFormat()),
                    path.field("json_format"));
            case TYPED_JSON_FORMAT -> new Format(null, json(f.getTypedJsonFormat()),
                    path.field("typed_json_format"));
            case LOG_FORMAT -> format(f.getLogFormat(), path.field("log_format"));
            case ACCESSLOGFORMAT_NOT_SET -> Format.DEFAULT;
        };
    }

    /**
     * A substitution format (Envoy's SubstitutionFormatString) as a text format string for
     * {@link io.remora.accesslog.AccessLogFormatter#text}; filters that compute values (set_filter_state)
     * use it. JSON formats are refused here: such values are plain strings.
     */
    public static String textFormat(SubstitutionFormatString s, FieldPath path) {
        Format f = format(s, path);
        if (f.json() != null) {
            throw path.field("json_format").error("a JSON format is not supported here; use text_format");
        }
        String text = f.text() == null ? "" : f.text();
        try {
            io.remora.accesslog.AccessLogFormatter.text(text);
        } catch (IllegalArgumentException e) {
            throw path.error(e.getMessage());
        }
        return text;
    }

    /**
     * A substitution format's text or JSON form. Of {@code formatters}, the ones Envoy now builds in
     * ({@code %CEL%}, {@code %REQ_WITHOUT_QUERY%}, {@code %METADATA%}) are accepted: their commands
     * are always there; any other extension is refused.
     */
    @SuppressWarnings("deprecation")
    static Format format(SubstitutionFormatString s, FieldPath path) {
        checkFormatters(s.getFormattersList(), path.field("formatters"));
        return switch (s.getFormatCase()) {
            case TEXT_FORMAT -> new Format(s.getTextFormat(), null, path.field("text_format"));
            case TEXT_FORMAT_SOURCE -> new Format(Protos.dataSource(s.getTextFormatSource(),
                    path.field("text_format_source")), null, path.field("text_format_source"));
            // Keys are always sorted (the formatter sorts them), so sort_properties changes nothing, as in Envoy.
            case JSON_FORMAT -> new Format(null, json(s.getJsonFormat()), path.field("json_format"));
            case FORMAT_NOT_SET -> Format.DEFAULT;
        };
    }

    /**
     * The formatter extensions' commands (CEL, compiled at {@code path}) that the format strings of
     * a structured log (OpenTelemetry's body, Fluentd's record) use, each format checked with them:
     * a bad one is an error at {@code errorPath}.
     */
    static List<FormatterCommand> formatCommands(List<String> formats, FieldPath path, FieldPath errorPath,
                                                 TranslationContext ctx) {
        List<FormatterCommand> commands = formats.stream().anyMatch(CelFormatterCommand::used)
                ? List.of(new CelFormatterCommand(path, ctx)) : List.of();
        for (String f : formats) {
            try {
                AccessLogFormatter.text(f, false, commands);
            } catch (IllegalArgumentException e) {
                throw errorPath.error(e.getMessage());
            }
        }
        return commands;
    }

    /** {@code formatters}: the built-in ones are accepted (their commands are always there), any other refused. */
    static void checkFormatters(List<io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig> formatters,
                                FieldPath path) {
        for (int i = 0; i < formatters.size(); i++) {
            var ext = formatters.get(i);
            String type = ext.hasTypedConfig() ? Protos.typeName(ext.getTypedConfig()) : "";
            if (!BUILT_IN_FORMATTERS.contains(type)) {
                throw path.index(i).error("unsupported formatter extension '" + ext.getName()
                        + "' (" + type + "); supported: " + BUILT_IN_FORMATTERS);
            }
        }
    }

    /**
     * A {@code json_format} as the formatter takes it: format strings, nested objects (Maps) and
     * lists of them, numbers, booleans and nulls, each rendered in place as Envoy's JSON formatter does.
     */
    private static Map<String, Object> json(Struct s) {
        Map<String, Object> out = new LinkedHashMap<>();
        s.getFieldsMap().forEach((k, v) -> out.put(k, jsonValue(v)));
        return java.util.Collections.unmodifiableMap(out);
    }

    private static Object jsonValue(Value v) {
        return switch (v.getKindCase()) {
            case STRING_VALUE -> v.getStringValue();
            case STRUCT_VALUE -> json(v.getStructValue());
            case LIST_VALUE -> {
                List<Object> items = new java.util.ArrayList<>();
                v.getListValue().getValuesList().forEach(i -> items.add(jsonValue(i)));
                yield java.util.Collections.unmodifiableList(items);
            }
            case NUMBER_VALUE -> v.getNumberValue();
            case BOOL_VALUE -> v.getBoolValue();
            default -> null;
        };
    }

    /** Each format string of a JSON format with the field path it sits at. */
    static void leaves(Object json, FieldPath path, java.util.function.BiConsumer<String, FieldPath> out) {
        if (json instanceof String s) {
            out.accept(s, path);
        } else if (json instanceof Map<?, ?> m) {
            m.forEach((k, v) -> leaves(v, path.field(String.valueOf(k)), out));
        } else if (json instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                leaves(l.get(i), path.index(i), out);
            }
        }
    }
}
