package io.remora.xds.translate;

import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.extensions.health_check.event_sinks.file.v3.HealthCheckEventFileSink;
import io.envoyproxy.envoy.type.v3.Int64Range;
import io.remora.config.HeaderMutation;
import io.remora.config.HealthCheckConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** {@code config.core.v3.HealthCheck}: HTTP, TCP and gRPC checkers with Envoy's defaults. */
final class HealthCheckTranslator {
    static final String FILE_SINK = "envoy.extensions.health_check.event_sinks.file.v3.HealthCheckEventFileSink";

    private HealthCheckTranslator() {
    }

    static HealthCheckConfig translate(HealthCheck h, FieldPath path, TranslationContext ctx) {
        return translate(h, path, ctx, java.util.Map.of());
    }

    /** @param clusterOptions the cluster's protocol options by extension name (custom checkers read theirs) */
    @SuppressWarnings("deprecation")
    static HealthCheckConfig translate(HealthCheck h, FieldPath path, TranslationContext ctx,
                                       java.util.Map<String, Object> clusterOptions) {
        if (!h.hasTimeout()) {
            throw path.field("timeout").error("missing required field");
        }
        if (!h.hasInterval()) {
            throw path.field("interval").error("missing required field");
        }
        if (!h.hasUnhealthyThreshold()) {
            throw path.field("unhealthy_threshold").error("missing required field");
        }
        if (!h.hasHealthyThreshold()) {
            throw path.field("healthy_threshold").error("missing required field");
        }
        Duration timeout = positive(Protos.duration(h.getTimeout()), path.field("timeout"));
        Duration interval = positive(Protos.duration(h.getInterval()), path.field("interval"));
        Duration unhealthyInterval = h.hasUnhealthyInterval()
                ? positive(Protos.duration(h.getUnhealthyInterval()), path.field("unhealthy_interval")) : interval;
        Duration unhealthyEdge = h.hasUnhealthyEdgeInterval()
                ? positive(Protos.duration(h.getUnhealthyEdgeInterval()), path.field("unhealthy_edge_interval"))
                : unhealthyInterval;
        Duration healthyEdge = h.hasHealthyEdgeInterval()
                ? positive(Protos.duration(h.getHealthyEdgeInterval()), path.field("healthy_edge_interval")) : interval;
        Duration noTraffic = h.hasNoTrafficInterval()
                ? positive(Protos.duration(h.getNoTrafficInterval()), path.field("no_traffic_interval"))
                : HealthCheckConfig.DEFAULT_NO_TRAFFIC_INTERVAL;
        Duration noTrafficHealthy = h.hasNoTrafficHealthyInterval()
                ? positive(Protos.duration(h.getNoTrafficHealthyInterval()), path.field("no_traffic_healthy_interval"))
                : noTraffic;
        // Envoy writes every event to event_log_path and to each sink alike.
        List<String> eventLogs = new ArrayList<>();
        eventLogs.add(h.getEventLogPath());
        for (int i = 0; i < h.getEventLoggerCount(); i++) {
            FieldPath lp = path.field("event_logger").index(i);
            var ext = h.getEventLogger(i);
            String t = Protos.typeName(ext.getTypedConfig());
            if (!t.equals(FILE_SINK)) {
                ctx.warnOnce("hc_event_logger:" + t, "ignoring health check event logger " + t + " at " + lp);
                continue;
            }
            HealthCheckEventFileSink sink = Protos.unpack(ext.getTypedConfig(), HealthCheckEventFileSink.class,
                    lp.field("typed_config"));
            if (sink.getEventLogPath().isEmpty()) {
                throw lp.field("typed_config").field("event_log_path").error("must not be empty");
            }
            eventLogs.add(sink.getEventLogPath());
        }
        if (h.hasEventService()) {
            ctx.warnOnce("hc_event_service", "health check event_service is not supported (not implemented in Envoy"
                    + " either; event_logger and event_log_path write the events); ignoring " + path.field("event_service"));
        }
        if (h.hasAltPort()) {
            ctx.warnOnce("hc_alt_port", "health check alt_port is not supported (not implemented in Envoy either;"
                    + " checks go to the host's health_check_config.port_value or its own port); ignoring "
                    + path.field("alt_port"));
        }
        HealthCheckConfig.Checker checker = switch (h.getHealthCheckerCase()) {
            case HTTP_HEALTH_CHECK -> http(h.getHttpHealthCheck(), path.field("http_health_check"), ctx);
            case TCP_HEALTH_CHECK -> tcp(h.getTcpHealthCheck(), path.field("tcp_health_check"));
            case GRPC_HEALTH_CHECK -> grpc(h.getGrpcHealthCheck(), path.field("grpc_health_check"), ctx);
            case CUSTOM_HEALTH_CHECK -> custom(h.getCustomHealthCheck(), path.field("custom_health_check"), clusterOptions, ctx);
            default -> throw path.error("one of http_health_check, tcp_health_check, grpc_health_check, custom_health_check is required");
        };
        HealthCheckConfig.Builder builder = HealthCheckConfig.builder(timeout, interval, checker);
        eventLogs.forEach(builder::eventLogPath);
        return builder
                .initialJitter(Protos.duration(h.hasInitialJitter(), h.getInitialJitter(), Duration.ZERO))
                .intervalJitter(Protos.duration(h.hasIntervalJitter(), h.getIntervalJitter(), Duration.ZERO))
                .intervalJitterPercent(h.getIntervalJitterPercent())
                .thresholds(Math.max(1, h.getUnhealthyThreshold().getValue()), Math.max(1, h.getHealthyThreshold().getValue()))
                .unhealthyInterval(unhealthyInterval).unhealthyEdgeInterval(unhealthyEdge).healthyEdgeInterval(healthyEdge)
                .noTrafficInterval(noTraffic).noTrafficHealthyInterval(noTrafficHealthy)
                .alwaysLog(h.getAlwaysLogHealthCheckFailures(), h.getAlwaysLogHealthCheckSuccess())
                .reuseConnection(Protos.bool(h.hasReuseConnection(), h.getReuseConnection(), true))
                .alpnProtocols(h.hasTlsOptions() ? h.getTlsOptions().getAlpnProtocolsList() : null)
                .transportSocketMatchCriteria(h.hasTransportSocketMatchCriteria()
                        ? Protos.structMap(h.getTransportSocketMatchCriteria()) : null)
                .build();
    }

    private static HealthCheckConfig.Http http(HealthCheck.HttpHealthCheck c, FieldPath path, TranslationContext ctx) {
        if (c.getPath().isEmpty()) {
            throw path.field("path").error("missing required field");
        }
        String method = switch (c.getMethod()) {
            case METHOD_UNSPECIFIED -> "GET";
            case CONNECT -> throw path.field("method").error("CONNECT cannot be a health check's method");
            case UNRECOGNIZED -> throw path.field("method").error("unknown method");
            default -> c.getMethod().name();
        };
        String send = "";
        if (c.hasSend()) {
            if (Set.of("GET", "HEAD", "DELETE", "TRACE").contains(method)) {
                throw path.field("send").error("HTTP health check cannot specify a request payload with method '"
                        + method + "'. Only methods that support a request body (POST, PUT, PATCH, OPTIONS) can be"
                        + " used with payload.");
            }
            send = hex(c.getSend(), path.field("send"));
        }
        List<String> receive = new ArrayList<>();
        long receiveBytes = 0;
        for (int i = 0; i < c.getReceiveCount(); i++) {
            String block = hex(c.getReceive(i), path.field("receive").index(i));
            receive.add(block);
            receiveBytes += block.length() / 2;
        }
        long bufferSize = c.hasResponseBufferSize() ? c.getResponseBufferSize().getValue()
                : HealthCheckConfig.Http.DEFAULT_RESPONSE_BUFFER_SIZE;
        if (bufferSize != 0 && receiveBytes > bufferSize) {
            throw path.field("receive").error("The expected response length '" + receiveBytes
                    + "' is over than http health response buffer size '" + bufferSize + "'");
        }
        List<HealthCheckConfig.StatusRange> expected = ranges(c.getExpectedStatusesList(), path.field("expected_statuses"));
        if (expected.isEmpty()) {
            expected = List.of(new HealthCheckConfig.StatusRange(200, 201));
        }
        List<HealthCheckConfig.StatusRange> retriable = ranges(c.getRetriableStatusesList(),
                path.field("retriable_statuses"));
        List<HeaderMutation.HeaderValueOption> add = new ArrayList<>();
        for (int i = 0; i < c.getRequestHeadersToAddCount(); i++) {
            add.add(formatted(c.getRequestHeadersToAdd(i), path.field("request_headers_to_add").index(i), ctx));
        }
        boolean h2 = c.getCodecClientType() == io.envoyproxy.envoy.type.v3.CodecClientType.HTTP2;
        if (c.getCodecClientType() == io.envoyproxy.envoy.type.v3.CodecClientType.HTTP3) {
            throw path.field("codec_client_type").error("HTTP/3 health checks are not supported");
        }
        return HealthCheckConfig.Http.builder(c.getPath()).host(c.getHost()).method(method).sendHex(send)
                .receiveHex(receive).responseBufferSize(bufferSize).expectedStatuses(expected)
                .retriableStatuses(retriable).requestHeadersToAdd(add)
                .requestHeadersToRemove(new LinkedHashSet<>(c.getRequestHeadersToRemoveList())).http2(h2)
                .serviceNameMatcher(c.hasServiceNameMatcher()
                        ? StringMatcherTranslator.translate(c.getServiceNameMatcher(), path.field("service_name_matcher"))
                        : null)
                .build();
    }

    private static List<HealthCheckConfig.StatusRange> ranges(List<Int64Range> in, FieldPath path) {
        List<HealthCheckConfig.StatusRange> out = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            Int64Range r = in.get(i);
            // Envoy: [start, end) with 100 <= start < end <= 600.
            if (r.getStart() < 100 || r.getEnd() > 600 || r.getStart() >= r.getEnd()) {
                throw path.index(i).error("invalid status range [" + r.getStart() + ", " + r.getEnd()
                        + "): need 100 <= start < end <= 600");
            }
            out.add(new HealthCheckConfig.StatusRange((int) r.getStart(), (int) r.getEnd()));
        }
        return List.copyOf(out);
    }

    /** A registered custom checker (Envoy's {@code envoy.health_checkers}: redis, thrift); others are refused. */
    private static HealthCheckConfig.Checker custom(HealthCheck.CustomHealthCheck c, FieldPath path,
                                                    java.util.Map<String, Object> clusterOptions,
                                                    TranslationContext ctx) {
        String type = c.hasTypedConfig() ? Protos.typeName(c.getTypedConfig()) : null;
        var ext = io.remora.extensions.ExtensionRegistry.get().healthChecker(type, c.getName());
        if (ext == null) {
            throw path.error("custom health checker '" + c.getName() + "'"
                    + (type == null ? "" : " (" + type + ")") + " is not supported");
        }
        FieldPath tp = path.field("typed_config");
        return new HealthCheckConfig.Custom(c.getName(), ext.translate(
                c.hasTypedConfig() ? TypedConfig.of(c.getTypedConfig(), tp) : null, tp, clusterOptions, ctx));
    }

    private static HealthCheckConfig.Tcp tcp(HealthCheck.TcpHealthCheck c, FieldPath path) {
        String send = c.hasSend() ? hex(c.getSend(), path.field("send")) : "";
        List<String> receive = new ArrayList<>();
        for (int i = 0; i < c.getReceiveCount(); i++) {
            receive.add(hex(c.getReceive(i), path.field("receive").index(i)));
        }
        int proxyProtocol = 0;
        if (c.hasProxyProtocolConfig()) {
            proxyProtocol = switch (c.getProxyProtocolConfig().getVersion()) {
                case V1 -> 1;
                case V2 -> 2;
                default -> throw path.field("proxy_protocol_config").field("version").error("unknown PROXY protocol version");
            };
        }
        return new HealthCheckConfig.Tcp(send, List.copyOf(receive), proxyProtocol);
    }

    private static HealthCheckConfig.Grpc grpc(HealthCheck.GrpcHealthCheck c, FieldPath path, TranslationContext ctx) {
        List<HeaderMutation.HeaderValueOption> metadata = new ArrayList<>();
        for (int i = 0; i < c.getInitialMetadataCount(); i++) {
            metadata.add(formatted(c.getInitialMetadata(i), path.field("initial_metadata").index(i), ctx));
        }
        return new HealthCheckConfig.Grpc(c.getServiceName(), c.getAuthority(), metadata);
    }

    /**
     * A header the check adds, by Envoy's HeaderParser rules: no pseudo-header or Host (the check
     * sets those), a value formatted with the command operators (so checked as one).
     */
    private static HeaderMutation.HeaderValueOption formatted(io.envoyproxy.envoy.config.core.v3.HeaderValueOption o,
                                                              FieldPath path, TranslationContext ctx) {
        HeaderMutation.HeaderValueOption option = HeaderTranslator.option(o, path);
        if (option.key().startsWith(":") || option.key().equals("host")) {
            throw path.field("header").field("key").error(":-prefixed or host headers may not be modified");
        }
        HeaderTranslator.checkFormattedValue(option.value(), path.field("header").field("value"), ctx);
        return option;
    }

    private static String hex(HealthCheck.Payload p, FieldPath path) {
        if (p.hasText()) {
            String t = p.getText();
            try {
                HexFormat.of().parseHex(t);
            } catch (IllegalArgumentException e) {
                throw path.field("text").error("not a hex string: " + e.getMessage());
            }
            return t.toLowerCase(java.util.Locale.ROOT);
        }
        return HexFormat.of().formatHex(p.getBinary().toByteArray());
    }

    private static Duration positive(Duration d, FieldPath path) {
        if (d.isNegative() || d.isZero()) {
            throw path.error("must be greater than 0");
        }
        return d;
    }
}
