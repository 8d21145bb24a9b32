package io.remora.xds.translate;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.BackoffStrategy;
import io.envoyproxy.envoy.extensions.access_loggers.fluentd.v3.FluentdAccessLogConfig;
import io.envoyproxy.envoy.extensions.tracers.fluentd.v3.FluentdConfig;
import io.remora.config.FluentdTarget;
import io.remora.config.TracingConfig;
import io.remora.xds.fluentd.FluentdLogConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code envoy.access_loggers.fluentd} and {@code envoy.tracers.fluentd}: every field is built;
 * the checks are Envoy's (the protos' required fields, a cluster that exists, a backoff whose max
 * is not below its base, format strings that parse).
 */
final class FluentdTranslator {

    private FluentdTranslator() {
    }

    static FluentdLogConfig accessLog(FluentdAccessLogConfig c, FieldPath path, TranslationContext ctx) {
        if (!c.hasRecord()) {
            throw path.field("record").error("missing required field");
        }
        var r = c.getRetryOptions();
        FluentdTarget target = target(c.getCluster(), c.getTag(), c.getStatPrefix(), c.hasBufferFlushInterval(),
                c.getBufferFlushInterval(), c.hasBufferSizeBytes(), c.getBufferSizeBytes().getValue(),
                r.hasMaxConnectAttempts() ? r.getMaxConnectAttempts().getValue() : -1,
                r.hasBackoffOptions() ? r.getBackoffOptions() : null,
                path.field("retry_options").field("backoff_options"), path, ctx);
        AccessLogTranslator.checkFormatters(c.getFormattersList(), path.field("formatters"));
        List<String> formats = new ArrayList<>();
        strings(c.getRecord(), formats);
        return new FluentdLogConfig(target, c.getRecord(),
                AccessLogTranslator.formatCommands(formats, path, path.field("record"), ctx));
    }

    /**
     * The tracer: its {@code retry_policy}'s {@code num_retries} bounds the connects and its
     * {@code retry_back_off} is the backoff, as Envoy reads them; the policy's other fields mean
     * nothing to a connection and Envoy ignores them too.
     */
    static TracingConfig.Fluentd tracer(Any any, FieldPath path, TranslationContext ctx) {
        FluentdConfig c = Protos.unpack(any, FluentdConfig.class, path);
        var r = c.getRetryPolicy();
        return new TracingConfig.Fluentd(target(c.getCluster(), c.getTag(), c.getStatPrefix(),
                c.hasBufferFlushInterval(), c.getBufferFlushInterval(), c.hasBufferSizeBytes(),
                c.getBufferSizeBytes().getValue(), r.hasNumRetries() ? r.getNumRetries().getValue() : -1,
                r.hasRetryBackOff() ? r.getRetryBackOff() : null, path.field("retry_policy").field("retry_back_off"),
                path, ctx));
    }

    private static FluentdTarget target(String cluster, String tag, String statPrefix, boolean hasFlush,
                                        Duration flushInterval, boolean hasSize, long size, long maxConnectAttempts,
                                        BackoffStrategy backoff, FieldPath backoffPath, FieldPath path,
                                        TranslationContext ctx) {
        required(cluster, path.field("cluster"));
        required(tag, path.field("tag"));
        required(statPrefix, path.field("stat_prefix"));
        ctx.requireCluster(path.field("cluster"), cluster);
        long flush = FluentdTarget.DEFAULT_FLUSH_INTERVAL_MILLIS;
        if (hasFlush) {
            var d = Protos.duration(flushInterval);
            if (d.isNegative() || d.isZero()) {
                throw path.field("buffer_flush_interval").error("must be greater than 0s");
            }
            flush = Math.max(1, d.toMillis());
        }
        long base = FluentdTarget.Retry.DEFAULT_BASE_MILLIS;
        long max = base * FluentdTarget.Retry.MAX_INTERVAL_FACTOR;
        if (backoff != null) {
            io.remora.config.BackoffStrategy b = TcpProxyTranslator.backoff(backoff, backoffPath);
            base = b.base().toMillis();
            max = b.max().toMillis();
        }
        return new FluentdTarget(cluster, tag, statPrefix, flush, hasSize ? size : FluentdTarget.DEFAULT_BUFFER_SIZE_BYTES,
                new FluentdTarget.Retry(maxConnectAttempts, base, max));
    }

    private static void required(String v, FieldPath path) {
        if (v.isEmpty()) {
            throw path.error("missing required field");
        }
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
