package io.remora.xds.translate;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.trace.v3.DatadogConfig;
import io.envoyproxy.envoy.config.trace.v3.OpenTelemetryConfig;
import io.envoyproxy.envoy.config.trace.v3.ZipkinConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.request_id.uuid.v3.UuidRequestIdConfig;
import io.envoyproxy.envoy.type.tracing.v3.CustomTag;
import io.remora.config.MetadataSource;
import io.remora.config.TracingConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The connection manager's {@code tracing} to a {@link TracingConfig}. */
public final class TracingTranslator {

    static final String UUID_REQUEST_ID = "envoy.extensions.request_id.uuid.v3.UuidRequestIdConfig";

    private static final String OTEL = "type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig";
    private static final String ZIPKIN = "type.googleapis.com/envoy.config.trace.v3.ZipkinConfig";
    private static final String DATADOG = "type.googleapis.com/envoy.config.trace.v3.DatadogConfig";
    private static final String SKYWALKING = "type.googleapis.com/envoy.config.trace.v3.SkyWalkingConfig";
    private static final String FLUENTD = "type.googleapis.com/envoy.extensions.tracers.fluentd.v3.FluentdConfig";

    private TracingTranslator() {
    }

    static TracingConfig.CustomTag customTag(CustomTag c, FieldPath path) {
        return switch (c.getTypeCase()) {
            case LITERAL -> new TracingConfig.LiteralTag(c.getTag(), c.getLiteral().getValue());
            case ENVIRONMENT -> {
                if (c.getEnvironment().getName().isEmpty()) {
                    throw path.field("environment").field("name").error("missing required field");
                }
                // Read once, as Envoy reads it when the tag is built.
                String v = System.getenv(c.getEnvironment().getName());
                yield new TracingConfig.LiteralTag(c.getTag(), v != null ? v : c.getEnvironment().getDefaultValue());
            }
            case REQUEST_HEADER -> {
                if (c.getRequestHeader().getName().isEmpty()) {
                    throw path.field("request_header").field("name").error("missing required field");
                }
                yield new TracingConfig.RequestHeaderTag(c.getTag(), c.getRequestHeader().getName(),
                        c.getRequestHeader().getDefaultValue());
            }
            case METADATA -> metadataTag(c.getTag(), c.getMetadata(), path.field("metadata"));
            case TYPE_NOT_SET -> throw path.error("needs one of literal, environment, request_header, metadata");
        };
    }

    /** {@code custom_tags} of a connection manager or a route. */
    static List<TracingConfig.CustomTag> customTags(List<CustomTag> in, FieldPath path) {
        List<TracingConfig.CustomTag> tags = new ArrayList<>(in.size());
        for (int i = 0; i < in.size(); i++) {
            CustomTag c = in.get(i);
            FieldPath cp = path.index(i);
            if (c.getTag().isEmpty()) {
                throw cp.field("tag").error("missing required field");
            }
            tags.add(customTag(c, cp));
        }
        return tags;
    }

    /**
     * A route's {@code tracing}: each sampling a FractionalPercent, 100% when unset (Envoy's
     * RouteTracingImpl); null when the route has none.
     */
    static io.remora.config.Route.Tracing route(io.envoyproxy.envoy.config.route.v3.Route r, FieldPath path) {
        if (!r.hasTracing()) {
            return null;
        }
        var t = r.getTracing();
        return new io.remora.config.Route.Tracing(
                t.hasClientSampling() ? Protos.perMillion(t.getClientSampling()) / 10_000.0 : 100,
                t.hasRandomSampling() ? Protos.perMillion(t.getRandomSampling()) / 10_000.0 : 100,
                t.hasOverallSampling() ? Protos.perMillion(t.getOverallSampling()) / 10_000.0 : 100,
                customTags(t.getCustomTagsList(), path.field("tracing").field("custom_tags")));
    }

    private static TracingConfig.MetadataTag metadataTag(String tag, CustomTag.Metadata m, FieldPath path) {
        MetadataSource source = switch (m.getKind().getKindCase()) {
            case REQUEST -> MetadataSource.DYNAMIC;
            case ROUTE -> MetadataSource.ROUTE;
            case CLUSTER -> MetadataSource.CLUSTER;
            case HOST -> MetadataSource.UPSTREAM_HOST;
            case KIND_NOT_SET -> throw path.field("kind").error("needs one of request, route, cluster, host");
        };
        if (m.getMetadataKey().getKey().isEmpty()) {
            throw path.field("metadata_key").field("key").error("missing required field");
        }
        if (m.getMetadataKey().getPathCount() == 0) {
            throw path.field("metadata_key").field("path").error("needs at least one key");
        }
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < m.getMetadataKey().getPathCount(); i++) {
            String key = m.getMetadataKey().getPath(i).getKey();
            if (key.isEmpty()) {
                throw path.field("metadata_key").field("path").index(i).field("key").error("missing required field");
            }
            keys.add(key);
        }
        return new TracingConfig.MetadataTag(tag, source, m.getMetadataKey().getKey(), keys, m.getDefaultValue());
    }

    static TracingConfig translate(HttpConnectionManager h, FieldPath hcmPath, TranslationContext ctx) {
        HttpConnectionManager.Tracing t = h.getTracing();
        FieldPath path = hcmPath.field("tracing");
        TracingConfig.Builder b = TracingConfig.builder();
        if (t.hasProvider()) {
            b.provider(provider(t.getProvider(), path.field("provider"), ctx));
        }
        List<TracingConfig.CustomTag> tags = customTags(t.getCustomTagsList(), path.field("custom_tags"));
        if (t.hasMaxPathTagLength()) {
            b.maxPathTagLength(t.getMaxPathTagLength().getValue());
        }
        if (t.hasRandomSampling()) {
            b.randomSampling(percent(t.getRandomSampling().getValue(), path.field("random_sampling")));
        }
        if (t.hasClientSampling()) {
            b.clientSampling(percent(t.getClientSampling().getValue(), path.field("client_sampling")));
        }
        if (t.hasOverallSampling()) {
            b.overallSampling(percent(t.getOverallSampling().getValue(), path.field("overall_sampling")));
        }
        requestId(h, hcmPath.field("request_id_extension").field("typed_config"), b);
        warnUnbuilt(t, path, ctx);
        return b.customTags(tags)
                .spawnUpstreamSpan(t.getSpawnUpstreamSpan().getValue())
                .egress(ctx.trafficDirection() == io.remora.config.ListenerConfig.TrafficDirection.OUTBOUND)
                .build();
    }

    /** What the spans would carry or be with these switches, and do not. */
    private static void warnUnbuilt(HttpConnectionManager.Tracing t, FieldPath path, TranslationContext ctx) {
        if (t.getVerbose()) {
            ctx.warnOnce("tracing.verbose", "tracing.verbose is not supported: spans get no stream event logs"
                    + " (last_downstream_rx_byte_received, first_upstream_tx_byte_sent, ..."
                    + " last_downstream_tx_byte_sent), first at " + path.field("verbose"));
        }
    }

    /** The UUID request id extension's two switches; other extensions are warned about by the caller. */
    private static void requestId(HttpConnectionManager h, FieldPath path, TracingConfig.Builder b) {
        UuidRequestIdConfig u = uuidRequestId(h, path);
        if (u == null) {
            return;
        }
        b.packTraceReason(!u.hasPackTraceReason() || u.getPackTraceReason().getValue());
        b.requestIdSampling(!u.hasUseRequestIdForTraceSampling() || u.getUseRequestIdForTraceSampling().getValue());
    }

    /** The UUID request id extension's {@code pack_trace_reason}: true unless it says false. */
    static boolean packTraceReason(HttpConnectionManager h, FieldPath hcmPath) {
        UuidRequestIdConfig u = uuidRequestId(h, hcmPath.field("request_id_extension").field("typed_config"));
        return u == null || !u.hasPackTraceReason() || u.getPackTraceReason().getValue();
    }

    private static UuidRequestIdConfig uuidRequestId(HttpConnectionManager h, FieldPath path) {
        if (!h.hasRequestIdExtension() || !h.getRequestIdExtension().hasTypedConfig()
                || !UUID_REQUEST_ID.equals(Protos.typeName(h.getRequestIdExtension().getTypedConfig()))) {
            return null;
        }
        return Protos.unpack(h.getRequestIdExtension().getTypedConfig(), UuidRequestIdConfig.class, path);
    }

    /** The bootstrap's {@code tracing.http}: the provider of connection managers that name none. */
    public static TracingConfig.Provider bootstrapProvider(io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap b,
                                                           TranslationContext ctx) {
        if (!b.hasTracing() || !b.getTracing().hasHttp()) {
            return null;
        }
        return provider(b.getTracing().getHttp(), FieldPath.of("tracing").field("http"), ctx);
    }

    private static TracingConfig.Provider provider(io.envoyproxy.envoy.config.trace.v3.Tracing.Http http, FieldPath pp,
                                                   TranslationContext ctx) {
        Any any = http.getTypedConfig();
        if (any.getTypeUrl().equals(OTEL)) {
            return openTelemetry(any, pp.field("typed_config"), ctx);
        }
        if (any.getTypeUrl().equals(ZIPKIN)) {
            return zipkin(any, pp.field("typed_config"), ctx);
        }
        if (any.getTypeUrl().equals(DATADOG)) {
            return datadog(any, pp.field("typed_config"), ctx);
        }
        if (any.getTypeUrl().equals(SKYWALKING)) {
            return SkyWalkingTranslator.translate(any, pp.field("typed_config"), ctx);
        }
        if (any.getTypeUrl().equals(FLUENTD)) {
            return FluentdTranslator.tracer(any, pp.field("typed_config"), ctx);
        }
        ctx.warnOnce("tracing:" + any.getTypeUrl(), "tracing provider '" + http.getName() + "' ("
                + any.getTypeUrl() + ") is not supported: no spans are recorded and trace headers pass"
                + " through unchanged, first at " + pp);
        return null;
    }

    private static TracingConfig.Provider zipkin(Any any, FieldPath path, TranslationContext ctx) {
        ZipkinConfig z;
        try {
            z = GeneratedMessages.unpack(any, ZipkinConfig.class);
        } catch (InvalidProtocolBufferException e) {
            throw path.error("invalid ZipkinConfig: " + e.getMessage());
        }
        if (z.getCollectorCluster().isEmpty()) {
            throw path.field("collector_cluster").error("missing required field");
        }
        if (z.getCollectorEndpoint().isEmpty()) {
            throw path.field("collector_endpoint").error("missing required field");
        }
        if (!z.getCollectorEndpoint().startsWith("/")) {
            throw path.field("collector_endpoint").error("must be a path starting with '/', not '"
                    + z.getCollectorEndpoint() + "'");
        }
        switch (z.getCollectorEndpointVersion()) {
            case HTTP_JSON -> {
            }
            case DEPRECATED_AND_UNAVAILABLE_DO_NOT_USE -> throw path.field("collector_endpoint_version").error(
                    "the v1 JSON collector endpoint is no longer available; set HTTP_JSON");
            default -> throw path.field("collector_endpoint_version").error(z.getCollectorEndpointVersion()
                    + " is not supported; Remora sends Zipkin v2 JSON (HTTP_JSON)");
        }
        ctx.requireCluster(path.field("collector_cluster"), z.getCollectorCluster());
        if (z.getSplitSpansForRequest()) {
            ctx.warnOnce("tracing.zipkin.split_spans_for_request", "Zipkin split_spans_for_request is not supported:"
                    + " each request has one span, no client span for its upstream request, first at "
                    + path.field("split_spans_for_request"));
        }
        return new TracingConfig.Zipkin(z.getCollectorCluster(), z.getCollectorEndpoint(), z.getCollectorHostname(),
                z.getTraceId128Bit(), !z.hasSharedSpanContext() || z.getSharedSpanContext().getValue());
    }

    private static TracingConfig.Provider datadog(Any any, FieldPath path, TranslationContext ctx) {
        DatadogConfig d = Protos.unpack(any, DatadogConfig.class, path);
        if (d.getCollectorCluster().isEmpty()) {
            throw path.field("collector_cluster").error("missing required field");
        }
        if (d.getServiceName().isEmpty()) {
            throw path.field("service_name").error("missing required field");
        }
        ctx.requireCluster(path.field("collector_cluster"), d.getCollectorCluster());
        if (d.hasRemoteConfig()) {
            ctx.warnOnce("tracing.datadog.remote_config", "Datadog remote_config is not supported: the tracer's"
                    + " sampling is not updated from the agent, first at " + path.field("remote_config"));
        }
        return new TracingConfig.Datadog(d.getCollectorCluster(), d.getCollectorHostname(), d.getServiceName());
    }

    private static double percent(double v, FieldPath path) {
        if (v < 0 || v > 100 || Double.isNaN(v)) {
            throw path.field("value").error("must be between 0 and 100, not " + v);
        }
        return v;
    }

    private static TracingConfig.Provider openTelemetry(Any any, FieldPath path, TranslationContext ctx) {
        OpenTelemetryConfig o;
        try {
            o = GeneratedMessages.unpack(any, OpenTelemetryConfig.class);
        } catch (InvalidProtocolBufferException e) {
            throw path.error("invalid OpenTelemetryConfig: " + e.getMessage());
        }
        io.remora.tracing.SpanSampler sampler = io.remora.xds.tracing.OtelSamplers.of(o, path, ctx);
        String serviceName = o.getServiceName().isEmpty() ? "unknown_service:envoy" : o.getServiceName();
        Map<String, String> resource = io.remora.xds.tracing.OtelResource.of(o, serviceName,
                "remora/" + io.remora.xds.Main.VERSION + "/RELEASE", System::getenv, path, ctx);
        if (o.hasHttpService()) {
            return otlpHttp(o, serviceName, resource, sampler, path.field("http_service"), ctx);
        }
        if (!o.hasGrpcService()) {
            throw path.field("grpc_service").error("missing required field: one of grpc_service, http_service");
        }
        if (!o.getGrpcService().hasEnvoyGrpc()) {
            throw path.field("grpc_service").error("only envoy_grpc (a cluster) is supported");
        }
        // The Export calls take the service's retry_policy (on grpc-java: by gRPC status).
        GrpcServiceTranslator.checkSupported(o.getGrpcService().toBuilder().clearRetryPolicy().build(),
                path.field("grpc_service"));
        if (o.getGrpcService().getInitialMetadataCount() > 0) {
            throw path.field("grpc_service").field("initial_metadata").error("not supported by the OpenTelemetry"
                    + " tracer's gRPC client");
        }
        String cluster = o.getGrpcService().getEnvoyGrpc().getClusterName();
        if (cluster.isEmpty()) {
            throw path.field("grpc_service").field("envoy_grpc").field("cluster_name").error("missing required field");
        }
        ctx.requireCluster(path.field("grpc_service").field("envoy_grpc").field("cluster_name"), cluster);
        return new TracingConfig.OpenTelemetry(cluster, o.getGrpcService().getEnvoyGrpc().getAuthority(), serviceName,
                null, sampler,
                GrpcServiceTranslator.statusRetryPolicy(o.getGrpcService(), path.field("grpc_service")), resource);
    }

    /** {@code http_service}: the collector's cluster, host and path from {@code http_uri}, its timeout and headers. */
    private static TracingConfig.Provider otlpHttp(OpenTelemetryConfig o, String serviceName, Map<String, String> resource,
                                                   io.remora.tracing.SpanSampler sampler,
                                                   FieldPath path, TranslationContext ctx) {
        var service = o.getHttpService();
        if (!service.hasHttpUri()) {
            throw path.field("http_uri").error("missing required field");
        }
        var uri = service.getHttpUri();
        FieldPath up = path.field("http_uri");
        if (uri.getCluster().isEmpty()) {
            throw up.field("cluster").error("missing required field");
        }
        ctx.requireCluster(up.field("cluster"), uri.getCluster());
        if (!uri.hasTimeout()) {
            throw up.field("timeout").error("missing required field");
        }
        // Envoy's extractHostPathFromUri: the authority after the scheme, the rest (or "/") the path.
        String rest = uri.getUri();
        int scheme = rest.indexOf("://");
        if (scheme >= 0) {
            rest = rest.substring(scheme + 3);
        }
        int slash = rest.indexOf('/');
        String host = slash < 0 ? rest : rest.substring(0, slash);
        String requestPath = slash < 0 ? "/" : rest.substring(slash);
        if (host.isEmpty()) {
            throw up.field("uri").error("no host in '" + uri.getUri() + "'");
        }
        java.util.Map<String, String> headers = new java.util.LinkedHashMap<>();
        for (int i = 0; i < service.getRequestHeadersToAddCount(); i++) {
            var h = HeaderTranslator.option(service.getRequestHeadersToAdd(i), path.field("request_headers_to_add").index(i));
            headers.put(h.key().toLowerCase(java.util.Locale.ROOT), h.value() == null ? "" : h.value());
        }
        return new TracingConfig.OpenTelemetry(uri.getCluster(), "", serviceName,
                new TracingConfig.OtlpHttp(host, requestPath, Protos.duration(uri.getTimeout()), headers), sampler, null,
                resource);
    }
}
