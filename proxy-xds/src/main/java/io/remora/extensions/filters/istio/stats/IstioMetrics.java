package io.remora.extensions.filters.istio.stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.remora.extensions.cel.CelProgram;
import io.remora.stats.EnvoyBuckets;
import io.remora.stats.UsedStats;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Istio's standard metrics under Istio's names and labels (no {@code envoy_} prefix: dashboards,
 * Kiali and recording rules query {@code istio_requests_total} and friends), with the buckets
 * Envoy gives histograms. Series are found by their label values; one per distinct set, as
 * Envoy's stats do. Shared by every stats filter of a config.
 */
final class IstioMetrics {

    static final String REQUESTS_TOTAL = "istio_requests_total";
    static final String REQUEST_DURATION = "istio_request_duration_milliseconds";
    static final String REQUEST_BYTES = "istio_request_bytes";
    static final String RESPONSE_BYTES = "istio_response_bytes";
    static final String TCP_OPENED = "istio_tcp_connections_opened_total";
    static final String TCP_CLOSED = "istio_tcp_connections_closed_total";
    static final String TCP_SENT = "istio_tcp_sent_bytes_total";
    static final String TCP_RECEIVED = "istio_tcp_received_bytes_total";
    static final String REQUEST_MESSAGES = "istio_request_messages_total";
    static final String RESPONSE_MESSAGES = "istio_response_messages_total";

    static final List<String> ALL = List.of(REQUESTS_TOTAL, REQUEST_DURATION, REQUEST_BYTES, RESPONSE_BYTES,
            REQUEST_MESSAGES, RESPONSE_MESSAGES, TCP_OPENED, TCP_CLOSED, TCP_SENT, TCP_RECEIVED);

    /** The peer-describing labels every metric carries, in Istio's order. */
    static final List<String> PEER_LABELS = List.of("reporter",
            "source_workload", "source_canonical_service", "source_canonical_revision", "source_workload_namespace",
            "source_principal", "source_app", "source_version", "source_cluster",
            "destination_workload", "destination_workload_namespace", "destination_principal", "destination_app",
            "destination_version", "destination_service", "destination_canonical_service",
            "destination_canonical_revision", "destination_service_name", "destination_service_namespace",
            "destination_cluster", "request_protocol");
    static final List<String> HTTP_LABELS = concat(PEER_LABELS,
            List.of("response_code", "grpc_response_status", "response_flags", "connection_security_policy"));
    static final List<String> TCP_LABELS = concat(PEER_LABELS, List.of("response_flags", "connection_security_policy"));
    /** gRPC message counters carry the peers only (istio-proxy reports them before the protocol labels). */
    static final List<String> MESSAGE_LABELS = PEER_LABELS.subList(0, PEER_LABELS.size() - 1);
    static final Set<String> STANDARD_TAGS = Set.copyOf(HTTP_LABELS);

    private final MeterRegistry registry;
    private final StatsPluginSettings settings;
    private final StatsScope scope;
    private final AtomicBoolean buildRecorded = new AtomicBoolean();

    IstioMetrics(MeterRegistry registry, StatsPluginSettings settings) {
        this.registry = registry;
        this.settings = settings;
        this.scope = new StatsScope(registry, settings.rotationMillis(),
                settings.gracefulDeletionMillis());
    }

    /** Where the scope rotates ({@code rotation_interval}): a stream's event loop. */
    void rotateOn(io.netty.channel.EventLoop loop) {
        scope.rotateOn(loop);
    }

    /** {@code istio_build{component="proxy",tag=<ISTIO_VERSION>} 1}, once. */
    void recordBuild(String istioVersion) {
        if (buildRecorded.compareAndSet(false, true)) {
            String tag = istioVersion.isEmpty() ? "unknown" : istioVersion;
            // Every stats filter config of the server shares the one gauge.
            synchronized (registry) {
                if (registry.find("istio_build").tag("tag", tag).gauge() == null) {
                    Gauge.builder("istio_build", () -> 1).tag("component", "proxy").tag("tag", tag).register(registry);
                }
            }
        }
    }

    /**
     * One finished HTTP request; {@code values} follow {@link #HTTP_LABELS}; {@code attributes}
     * give the values of {@code dimensions} and custom metrics.
     */
    void http(String[] values, long durationMillis, long requestBytes, long responseBytes,
              ExpressionValues attributes) {
        counter(REQUESTS_TOTAL, HTTP_LABELS, values, 1, attributes);
        histogram(REQUEST_DURATION, values, durationMillis, attributes);
        histogram(REQUEST_BYTES, values, requestBytes, attributes);
        histogram(RESPONSE_BYTES, values, responseBytes, attributes);
        custom(attributes);
    }

    /** The custom metrics ({@code definitions}) of a stream that ended or a connection that closed. */
    void custom(ExpressionValues attributes) {
        for (MetricOverrides.Definition d : settings.definitions()) {
            custom(d, attributes);
        }
    }

    /** gRPC messages of one stream (from grpc_stats' filter state); {@code values} start with {@link #MESSAGE_LABELS}. */
    void messages(String[] values, long requests, long responses, ExpressionValues attributes) {
        String[] v = java.util.Arrays.copyOf(values, MESSAGE_LABELS.size());
        counter(REQUEST_MESSAGES, MESSAGE_LABELS, v, requests, attributes);
        counter(RESPONSE_MESSAGES, MESSAGE_LABELS, v, responses, attributes);
    }

    /** Adds to a TCP counter; {@code values} follow {@link #TCP_LABELS}. */
    void tcp(String metric, String[] values, long amount, ExpressionValues attributes) {
        counter(metric, TCP_LABELS, values, amount, attributes);
    }

    private void counter(String metric, List<String> labels, String[] values, long amount,
                         ExpressionValues attributes) {
        if (settings.dropped().contains(metric) || amount <= 0) {
            if (amount == 0 && !settings.dropped().contains(metric)) {
                // a zero delta still makes the series exist
                meter(metric, labels, values, MetricOverrides.Kind.COUNTER, attributes);
            }
            return;
        }
        ((Counter) meter(metric, labels, values, MetricOverrides.Kind.COUNTER, attributes)).increment(amount);
    }

    private void histogram(String metric, String[] values, long value, ExpressionValues attributes) {
        if (!settings.dropped().contains(metric)) {
            ((DistributionSummary) meter(metric, HTTP_LABELS, values, MetricOverrides.Kind.HISTOGRAM, attributes))
                    .record(Math.max(0, value));
        }
    }

    /**
     * A custom metric: its value expression's amount (0 when it fails or is no unsigned number,
     * the series made all the same, as istio-proxy), labelled by its dimensions only.
     */
    private void custom(MetricOverrides.Definition d, ExpressionValues attributes) {
        long amount = attributes.amount(d.value());
        Object m = meter(d.name(), List.of(), new String[0], d.kind(), attributes);
        switch (d.kind()) {
            case COUNTER -> {
                if (amount > 0) {
                    ((Counter) m).increment(amount);
                }
            }
            case GAUGE -> ((AtomicLong) m).set(amount);
            case HISTOGRAM -> ((DistributionSummary) m).record(amount);
        }
    }

    /**
     * The series of {@code metric} for these label values: the standard labels it keeps, a
     * dimension's value in place of a standard one, then the added dimensions ({@code unknown}
     * when an expression fails, as istio-proxy).
     */
    private Object meter(String metric, List<String> labels, String[] values, MetricOverrides.Kind kind,
                         ExpressionValues attributes) {
        List<String> kept = settings.labelsOf(metric, labels);
        Map<String, CelProgram> dims = settings.dimensions().get(metric);
        StringBuilder key = new StringBuilder(metric);
        List<Tag> tags = new ArrayList<>(kept.size() + (dims == null ? 0 : dims.size()));
        for (int i = 0; i < labels.size(); i++) {
            String label = labels.get(i);
            if (kept == labels || kept.contains(label)) {
                CelProgram p = dims == null ? null : dims.get(label);
                String v = p == null ? values[i] : dimension(p, attributes);
                key.append('\0').append(label).append('=').append(v);
                tags.add(Tag.of(label, v));
            }
        }
        if (dims != null) {
            // A standard tag only overrides a standard metric's own (istio-proxy's tag_overrides_);
            // what a custom metric is given, or any other tag, is added (its tag_additions_).
            boolean standard = !labels.isEmpty();
            for (Map.Entry<String, CelProgram> e : dims.entrySet()) {
                if (!labels.contains(e.getKey()) && !(standard && STANDARD_TAGS.contains(e.getKey()))) {
                    String v = dimension(e.getValue(), attributes);
                    key.append('\0').append(e.getKey()).append('=').append(v);
                    tags.add(Tag.of(e.getKey(), v));
                }
            }
        }
        return scope.get(key.toString(), () -> switch (kind) {
            case HISTOGRAM -> made(DistributionSummary.builder(metric).tags(tags)
                    .serviceLevelObjectives(EnvoyBuckets.MILLIS).register(registry));
            // Made to be added to or set at once, even by 0: Envoy's used flag (usedonly) is set then.
            case COUNTER -> made(UsedStats.written(registry, Counter.builder(metric).tags(tags).register(registry)));
            case GAUGE -> {
                AtomicLong holder = new AtomicLong();
                yield new IstioSeries.Made(holder, UsedStats.written(registry,
                        Gauge.builder(metric, holder, AtomicLong::doubleValue).tags(tags).register(registry)));
            }
        });
    }

    private static IstioSeries.Made made(io.micrometer.core.instrument.Meter m) {
        return new IstioSeries.Made(m, m);
    }

    private static String dimension(CelProgram p, ExpressionValues attributes) {
        return attributes.label(p);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return List.copyOf(out);
    }
}
