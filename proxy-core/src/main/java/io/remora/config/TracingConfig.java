package io.remora.config;

import java.util.List;

/**
 * The connection manager's {@code tracing}: which provider gets the spans, how many requests are
 * traced, and extra span tags.
 *
 * @param provider          where spans go; null = no tracer (trace context passes through untouched)
 * @param randomSampling    percent of requests without an incoming decision that are traced (default 100)
 * @param clientSampling    percent of requests with {@code x-client-trace-id} that are traced (default 100)
 * @param overallSampling   percent cap applied after the other two (default 100)
 * @param maxPathTagLength  {@code http.url} is cut to this length (default 256)
 * @param customTags        literal and request-header tags
 * @param egress            the listener's traffic_direction is OUTBOUND: client spans named
 *                          "egress &lt;host&gt;", else server spans named "ingress", as Envoy
 * @param packTraceReason   the UUID request id extension's {@code pack_trace_reason}: the decision is
 *                          written into x-request-id for the next proxy (default true)
 * @param requestIdSampling its {@code use_request_id_for_trace_sampling}: when false every request is
 *                          handed to the tracer as sampled, as Envoy does, and the id is left alone
 * @param spawnUpstreamSpan {@code spawn_upstream_span}: a CLIENT span per try upstream, child of the
 *                          request's span, which is then a SERVER span whatever the direction
 */
public record TracingConfig(
        Provider provider,
        double randomSampling,
        double clientSampling,
        double overallSampling,
        int maxPathTagLength,
        List<CustomTag> customTags,
        boolean egress,
        boolean packTraceReason,
        boolean requestIdSampling,
        boolean spawnUpstreamSpan) {

    public TracingConfig {
        customTags = customTags == null ? List.of() : List.copyOf(customTags);
    }

    /** Envoy's defaults: no tracer, everything sampled, ingress, trace reasons packed in the id. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link TracingConfig}; unset fields keep Envoy's defaults. */
    public static final class Builder {
        private Provider provider;
        private double randomSampling = 100;
        private double clientSampling = 100;
        private double overallSampling = 100;
        private int maxPathTagLength = 256;
        private List<CustomTag> customTags = List.of();
        private boolean egress;
        private boolean packTraceReason = true;
        private boolean requestIdSampling = true;
        private boolean spawnUpstreamSpan;

        private Builder() {
        }

        public Builder provider(Provider v) {
            provider = v;
            return this;
        }

        public Builder randomSampling(double v) {
            randomSampling = v;
            return this;
        }

        public Builder clientSampling(double v) {
            clientSampling = v;
            return this;
        }

        public Builder overallSampling(double v) {
            overallSampling = v;
            return this;
        }

        public Builder maxPathTagLength(int v) {
            maxPathTagLength = v;
            return this;
        }

        public Builder customTags(List<CustomTag> v) {
            customTags = v;
            return this;
        }

        public Builder egress(boolean v) {
            egress = v;
            return this;
        }

        public Builder packTraceReason(boolean v) {
            packTraceReason = v;
            return this;
        }

        public Builder requestIdSampling(boolean v) {
            requestIdSampling = v;
            return this;
        }

        public Builder spawnUpstreamSpan(boolean v) {
            spawnUpstreamSpan = v;
            return this;
        }

        public TracingConfig build() {
            return new TracingConfig(provider, randomSampling, clientSampling, overallSampling, maxPathTagLength,
                    customTags, egress, packTraceReason, requestIdSampling, spawnUpstreamSpan);
        }
    }

    /** A tracer provider. */
    public sealed interface Provider {
    }

    /**
     * {@code envoy.tracers.opentelemetry}: spans exported over OTLP/gRPC, or OTLP/HTTP, to a cluster.
     *
     * @param cluster     {@code grpc_service.envoy_grpc.cluster_name}, or {@code http_service}'s cluster
     * @param authority   {@code grpc_service.envoy_grpc.authority}, or empty for the cluster name
     * @param serviceName the {@code service.name} resource attribute (Envoy's default "unknown_service:envoy")
     * @param http        null for OTLP/gRPC
     * @param sampler     the {@code sampler} deciding each span in place of the connection manager; null: none
     * @param retryPolicy {@code grpc_service.retry_policy} for the OTLP/gRPC Export calls; null: none
     * @param resource    every span's resource attributes, in order: {@code service.name}, then what
     *                    the {@code resource_detectors} merged in
     */
    public record OpenTelemetry(String cluster, String authority, String serviceName, OtlpHttp http,
                                io.remora.tracing.SpanSampler sampler, RetryPolicy retryPolicy,
                                java.util.Map<String, String> resource) implements Provider {
        public OpenTelemetry {
            resource = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(resource));
        }

        public OpenTelemetry(String cluster, String authority, String serviceName, OtlpHttp http,
                             io.remora.tracing.SpanSampler sampler, RetryPolicy retryPolicy) {
            this(cluster, authority, serviceName, http, sampler, retryPolicy, java.util.Map.of("service.name", serviceName));
        }

        /** Spans over OTLP/gRPC to {@code cluster}, sampled as the connection manager decides. */
        public OpenTelemetry(String cluster, String authority, String serviceName) {
            this(cluster, authority, serviceName, null, null);
        }

        public OpenTelemetry(String cluster, String authority, String serviceName, OtlpHttp http,
                             io.remora.tracing.SpanSampler sampler) {
            this(cluster, authority, serviceName, http, sampler, null);
        }
    }

    /**
     * {@code http_service}: spans POSTed as a binary {@code ExportTraceServiceRequest}
     * ({@code application/x-protobuf}) instead of OTLP/gRPC.
     *
     * @param host    the {@code http_uri}'s host (and port), the request's Host
     * @param path    the {@code http_uri}'s path
     * @param headers {@code request_headers_to_add}, set on every request
     */
    public record OtlpHttp(String host, String path, java.time.Duration timeout, java.util.Map<String, String> headers) {
        public OtlpHttp {
            headers = java.util.Map.copyOf(headers);
        }
    }

    /**
     * {@code envoy.tracers.zipkin}: B3 propagation, spans POSTed as Zipkin v2 JSON to a cluster.
     *
     * @param cluster           {@code collector_cluster}
     * @param endpoint          {@code collector_endpoint}, e.g. {@code /api/v2/spans}
     * @param hostname          {@code collector_hostname}, the Host header (else the cluster name)
     * @param traceId128        {@code trace_id_128bit}: new traces get 128-bit ids
     * @param sharedSpanContext {@code shared_span_context} (default true): the proxy's server span
     *                          reuses the incoming span id instead of being its child
     */
    public record Zipkin(String cluster, String endpoint, String hostname, boolean traceId128,
                         boolean sharedSpanContext) implements Provider {
    }

    /**
     * {@code envoy.tracers.datadog}: Datadog and W3C propagation, spans POSTed to a Datadog agent as
     * MessagePack ({@code /v0.4/traces}).
     *
     * @param cluster     {@code collector_cluster}, the agent's cluster
     * @param hostname    {@code collector_hostname}, the Host header (else the cluster name)
     * @param serviceName {@code service_name}, every span's service
     */
    public record Datadog(String cluster, String hostname, String serviceName) implements Provider {
    }

    /**
     * {@code envoy.tracers.fluentd}: W3C propagation, each span one record on a Fluentd Forward
     * connection per worker.
     */
    public record Fluentd(FluentdTarget target) implements Provider {
    }

    /**
     * {@code envoy.tracers.skywalking}: {@code sw8} propagation, one trace segment per request
     * streamed to a SkyWalking OAP ({@code TraceSegmentReportService/collect}).
     *
     * @param collector    the OAP's {@code grpc_service}
     * @param serviceName  {@code client_config.service_name}; empty for the node's cluster, as Envoy
     * @param instanceName {@code client_config.instance_name}; empty for the node's id, as Envoy
     * @param maxCacheSize {@code client_config.max_cache_size}: segments kept while no stream is open (default 1024)
     */
    public record SkyWalking(GrpcCollector collector, String serviceName, String instanceName, int maxCacheSize)
            implements Provider {
        /** These settings with the names Envoy falls back to: the node's cluster and id, else "EnvoyProxy". */
        public SkyWalking withDefaultNames(NodeInfo node) {
            String cluster = node == null ? "" : node.cluster();
            String id = node == null ? "" : node.id();
            return new SkyWalking(collector, orDefault(serviceName, cluster), orDefault(instanceName, id), maxCacheSize);
        }

        private static String orDefault(String value, String node) {
            if (!value.isEmpty()) {
                return value;
            }
            return node == null || node.isEmpty() ? "EnvoyProxy" : node;
        }
    }

    /**
     * A collector reached over gRPC: {@code envoy_grpc} (a cluster, with its authority) or
     * {@code google_grpc} (a target URI, plaintext).
     *
     * @param metadata headers sent on every stream: {@code initial_metadata} and the tracer's own
     */
    public record GrpcCollector(String cluster, String authority, String targetUri,
                                java.util.Map<String, String> metadata) {
        public GrpcCollector {
            metadata = java.util.Map.copyOf(metadata);
        }
    }

    /** A tag added to every span ({@code custom_tags}); a tag whose value comes out empty is left out. */
    public sealed interface CustomTag {
        String tag();
    }

    /** {@code literal}, and {@code environment} (read once, when the config is built). */
    public record LiteralTag(String tag, String value) implements CustomTag {
    }

    /** {@code request_header}: the header's value, else {@code defaultValue}. */
    public record RequestHeaderTag(String tag, String header, String defaultValue) implements CustomTag {
    }

    /**
     * {@code metadata}: the value at {@code path} in {@code namespace} of the request's dynamic
     * metadata, the route's, the upstream cluster's or the upstream host's; else {@code defaultValue}.
     */
    public record MetadataTag(String tag, MetadataSource source, String namespace, List<String> path,
                              String defaultValue) implements CustomTag {
        public MetadataTag {
            path = List.copyOf(path);
        }
    }
}
