package io.remora.xds.translate;

import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.extensions.access_loggers.grpc.v3.CommonGrpcAccessLogConfig;
import io.envoyproxy.envoy.extensions.access_loggers.grpc.v3.HttpGrpcAccessLogConfig;
import io.envoyproxy.envoy.extensions.access_loggers.grpc.v3.TcpGrpcAccessLogConfig;
import io.envoyproxy.envoy.extensions.access_loggers.open_telemetry.v3.OpenTelemetryAccessLogConfig;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.remora.accesslog.FormatterCommand;
import io.remora.extensions.filters.http.ext_authz.GrpcServiceConfig;
import io.remora.xds.accesslog.AlsAccessLogConfig;
import io.remora.xds.accesslog.GrpcLogTarget;
import io.remora.xds.accesslog.OtelAccessLogConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The gRPC access loggers: {@code envoy.access_loggers.open_telemetry}, {@code http_grpc} and
 * {@code tcp_grpc}. The collector is an {@code envoy_grpc} cluster; a logger over
 * {@code google_grpc} is skipped with a warning (losing access logs never opens anything up, so
 * the rest of the config still applies).
 */
final class GrpcAccessLogTranslator {

    /** Envoy's unary access log calls have no deadline of their own; a dead collector must not pile calls up. */
    private static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(5);

    private GrpcAccessLogTranslator() {
    }

    /** {@code envoy.access_loggers.http_grpc}, or null when it is skipped (a warning says why). */
    static AlsAccessLogConfig http(HttpGrpcAccessLogConfig c, String name, FieldPath path, TranslationContext ctx) {
        GrpcLogTarget target = target(c.getCommonConfig(), "", name, path.field("common_config"), false, ctx);
        if (target == null) {
            return null;
        }
        return new AlsAccessLogConfig(target, false, lower(c.getAdditionalRequestHeadersToLogList()),
                lower(c.getAdditionalResponseHeadersToLogList()), lower(c.getAdditionalResponseTrailersToLogList()));
    }

    /** {@code envoy.access_loggers.tcp_grpc}, or null when it is skipped (a warning says why). */
    static AlsAccessLogConfig tcp(TcpGrpcAccessLogConfig c, String name, FieldPath path, TranslationContext ctx) {
        GrpcLogTarget target = target(c.getCommonConfig(), "", name, path.field("common_config"), false, ctx);
        return target == null ? null : AlsAccessLogConfig.tcp(target);
    }

    /** Header names as Envoy keeps them: lower case. */
    private static List<String> lower(List<String> names) {
        return names.stream().map(n -> n.toLowerCase(java.util.Locale.ROOT)).toList();
    }

    /** The OpenTelemetry logger, or null when it is skipped (a warning says why). */
    static OtelAccessLogConfig openTelemetry(OpenTelemetryAccessLogConfig c, String name, FieldPath path,
                                             TranslationContext ctx) {
        AccessLogTranslator.checkFormatters(c.getFormattersList(), path.field("formatters"));
        GrpcLogTarget target = target(c.getCommonConfig(), c.getStatPrefix(), name, path.field("common_config"), true,
                ctx);
        if (target == null) {
            return null;
        }
        AnyValue body = c.hasBody() && c.getBody().getValueCase() != AnyValue.ValueCase.VALUE_NOT_SET
                ? c.getBody() : null;
        List<String> formats = new ArrayList<>();
        if (body != null) {
            check(body, path.field("body"), formats);
        }
        KeyValueList attributes = c.getAttributes();
        for (int i = 0; i < attributes.getValuesCount(); i++) {
            check(attributes.getValues(i).getValue(),
                    path.field("attributes").field("values").index(i).field("value"), formats);
        }
        List<FormatterCommand> commands = AccessLogTranslator.formatCommands(formats, path, path, ctx);
        return new OtelAccessLogConfig(target, !c.getDisableBuiltinLabels(), c.getResourceAttributes(), body,
                attributes, commands);
    }

    /**
     * Envoy's OpenTelemetry formatter takes strings (format strings), nested key/value lists and
     * arrays; any other value is a config error. Collects the format strings.
     */
    private static void check(AnyValue v, FieldPath path, List<String> formats) {
        switch (v.getValueCase()) {
            case STRING_VALUE -> formats.add(v.getStringValue());
            case KVLIST_VALUE -> {
                for (int i = 0; i < v.getKvlistValue().getValuesCount(); i++) {
                    check(v.getKvlistValue().getValues(i).getValue(),
                            path.field("kvlist_value").field("values").index(i).field("value"), formats);
                }
            }
            case ARRAY_VALUE -> {
                for (int i = 0; i < v.getArrayValue().getValuesCount(); i++) {
                    check(v.getArrayValue().getValues(i), path.field("array_value").field("values").index(i), formats);
                }
            }
            default -> throw path.error("only string values, nested key value lists and array values are supported"
                    + " in an OpenTelemetry access log format");
        }
    }

    /**
     * {@code common_config}: null when the logger is skipped. {@code unary}: the logger sends unary calls (the
     * OpenTelemetry Export), which grpc_service.retry_policy retries; a StreamAccessLogs stream is not.
     */
    static GrpcLogTarget target(CommonGrpcAccessLogConfig c, String statPrefix, String name, FieldPath path,
                                boolean unary, TranslationContext ctx) {
        if (c.getLogName().isEmpty()) {
            throw path.field("log_name").error("missing required field");
        }
        if (!c.hasGrpcService()) {
            throw path.field("grpc_service").error("missing required field");
        }
        if (c.getTransportApiVersion() != ApiVersion.V3 && c.getTransportApiVersion() != ApiVersion.AUTO) {
            throw path.field("transport_api_version").error("only V3 is supported");
        }
        FieldPath gp = path.field("grpc_service");
        if (c.getGrpcService().hasGoogleGrpc()) {
            ctx.warnOnce("access_log_google_grpc", "skipping gRPC access logger '" + name
                    + "': google_grpc is not supported, use envoy_grpc with a cluster; first at " + gp);
            return null;
        }
        GrpcServiceConfig s = GrpcServiceTranslator.statusRetryingEnvoyGrpc(c.getGrpcService(), gp, ctx);
        Duration timeout = c.getGrpcService().hasTimeout() ? s.timeout() : DEFAULT_CALL_TIMEOUT;
        s = s.withTimeout(timeout);
        long flush = GrpcLogTarget.DEFAULT_FLUSH_INTERVAL_MILLIS;
        if (c.hasBufferFlushInterval()) {
            flush = Protos.duration(c.getBufferFlushInterval()).toMillis();
            if (flush <= 0) {
                throw path.field("buffer_flush_interval").error("must be greater than 0s");
            }
        }
        long size = c.hasBufferSizeBytes() ? c.getBufferSizeBytes().getValue() : GrpcLogTarget.DEFAULT_BUFFER_SIZE_BYTES;
        if (c.getFilterStateObjectsToLogCount() > 0) {
            ctx.warnOnce("access_log_filter_state_objects", "gRPC access logger '" + name
                    + "': filter_state_objects_to_log is not supported and is ignored; first at "
                    + path.field("filter_state_objects_to_log"));
        }
        if (c.getCustomTagsCount() > 0) {
            ctx.warnOnce("access_log_custom_tags", "gRPC access logger '" + name
                    + "': custom_tags are not supported and are ignored; first at " + path.field("custom_tags"));
        }
        if (c.hasGrpcStreamRetryPolicy()) {
            // Envoy's per-stream policy wins over the service's default one: neither is applied then.
            ctx.warnOnce("access_log_retry_policy", "gRPC access logger '" + name
                    + "': grpc_stream_retry_policy is not supported (nor grpc_service.retry_policy beside it, which"
                    + " it overrides); a failed batch is dropped; first at " + path.field("grpc_stream_retry_policy"));
            s = s.withRetryPolicy(null);
        } else if (!unary && s.retryPolicy() != null) {
            // Envoy's streaming logger keeps no StreamAccessLogs message to send again (it buffers for retry only
            // under grpc_stream_retry_policy), so its stream is not retried by the service's default policy.
            TranslationContext.warnOnceWithoutContext("access_log_stream_retry:" + gp, "gRPC access logger '" + name
                    + "': retry_policy is not applied to its StreamAccessLogs stream (only the OpenTelemetry logger's"
                    + " Export calls are retried); ignoring " + gp.field("retry_policy"));
            s = s.withRetryPolicy(null);
        }
        return new GrpcLogTarget(s, c.getLogName(), flush, size, statPrefix);
    }
}
