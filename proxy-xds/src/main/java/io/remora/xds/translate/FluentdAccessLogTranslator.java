package io.remora.xds.translate;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.extensions.access_loggers.fluentd.v3.FluentdAccessLogConfig;
import io.remora.accesslog.FormatterCommand;
import io.remora.extensions.cel.CelFormatterCommand;
import io.remora.xds.fluentd.FluentdLogConfig;
import io.remora.xds.fluentd.FluentdTarget;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code envoy.access_loggers.fluentd}: every field is built; the checks are Envoy's (the proto's
 * required fields, a cluster that exists, a backoff whose max is not below its base, format
 * strings that parse).
 */
final class FluentdAccessLogTranslator {

    private FluentdAccessLogTranslator() {
    }

    static FluentdLogConfig translate(FluentdAccessLogConfig c, FieldPath path, TranslationContext ctx) {
        required(c.getCluster(), path.field("cluster"));
        required(c.getTag(), path.field("tag"));
        required(c.getStatPrefix(), path.field("stat_prefix"));
        if (!c.hasRecord()) {
            throw path.field("record").error("missing required field");
        }
        ctx.requireCluster(path.field("cluster"), c.getCluster());
        long flush = FluentdTarget.DEFAULT_FLUSH_INTERVAL_MILLIS;
        if (c.hasBufferFlushInterval()) {
            var d = Protos.duration(c.getBufferFlushInterval());
            if (d.isNegative() || d.isZero()) {
                throw path.field("buffer_flush_interval").error("must be greater than 0s");
            }
            flush = Math.max(1, d.toMillis());
        }
        long size = c.hasBufferSizeBytes() ? c.getBufferSizeBytes().getValue()
                : FluentdTarget.DEFAULT_BUFFER_SIZE_BYTES;
        FluentdTarget.Retry retry = retry(c, path.field("retry_options"));
        AccessLogTranslator.checkFormatters(c.getFormattersList(), path.field("formatters"));
        List<String> formats = new ArrayList<>();
        strings(c.getRecord(), formats);
        List<FormatterCommand> commands = formats.stream().anyMatch(CelFormatterCommand::used)
                ? List.of(new CelFormatterCommand(path, ctx)) : List.of();
        for (String f : formats) {
            try {
                io.remora.accesslog.AccessLogFormatter.text(f, false, commands);
            } catch (IllegalArgumentException e) {
                throw path.field("record").error(e.getMessage());
            }
        }
        return new FluentdLogConfig(new FluentdTarget(c.getCluster(), c.getTag(), c.getStatPrefix(), flush, size,
                retry), c.getRecord(), commands);
    }

    private static void required(String v, FieldPath path) {
        if (v.isEmpty()) {
            throw path.error("missing required field");
        }
    }

    private static FluentdTarget.Retry retry(FluentdAccessLogConfig c, FieldPath path) {
        if (!c.hasRetryOptions()) {
            return FluentdTarget.Retry.DEFAULT;
        }
        var r = c.getRetryOptions();
        long max = r.hasMaxConnectAttempts() ? r.getMaxConnectAttempts().getValue() : -1;
        long base = FluentdTarget.Retry.DEFAULT_BASE_MILLIS;
        long maxInterval = base * FluentdTarget.Retry.MAX_INTERVAL_FACTOR;
        if (r.hasBackoffOptions()) {
            io.remora.config.BackoffStrategy b = TcpProxyTranslator.backoff(r.getBackoffOptions(),
                    path.field("backoff_options"));
            base = b.base().toMillis();
            maxInterval = b.max().toMillis();
        }
        return new FluentdTarget.Retry(max, base, maxInterval);
    }

    /** The record's string leaves: its format strings. */
    private static void strings(Struct s, List<String> out) {
        for (Value v : s.getFieldsMap().values()) {
            strings(v, out);
        }
    }

    private static void strings(Value v, List<String> out) {
        switch (v.getKindCase()) {
            case STRING_VALUE -> out.add(v.getStringValue());
            case STRUCT_VALUE -> strings(v.getStructValue(), out);
            case LIST_VALUE -> v.getListValue().getValuesList().forEach(i -> strings(i, out));
            default -> {
                // numbers, booleans and nulls are sent as they are
            }
        }
    }
}
