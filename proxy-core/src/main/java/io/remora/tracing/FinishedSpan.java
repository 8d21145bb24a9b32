package io.remora.tracing;

import java.util.Map;

/**
 * One span the proxy recorded, ready for a provider to export.
 *
 * @param parentSpanId   the incoming span's id, or null for a root span
 * @param kind           SERVER (ingress) or CLIENT (egress)
 * @param attributes     Envoy's tags ({@code http.method}, {@code http.status_code}, {@code upstream_cluster}, ...)
 * @param error          Envoy's {@code error} tag: a 5xx or a reset
 * @param shared         Zipkin's shared span context: the span id is the caller's (client) span id
 * @param skyWalking     the SkyWalking segment this request's spans belong to; null for other tracers
 */
public record FinishedSpan(String traceId, String spanId, String parentSpanId, String name, Kind kind,
                           long startEpochNanos, long endEpochNanos, Map<String, String> attributes, boolean error,
                           String traceState, boolean shared, SkyWalkingContext skyWalking) {

    public FinishedSpan(String traceId, String spanId, String parentSpanId, String name, Kind kind,
                        long startEpochNanos, long endEpochNanos, Map<String, String> attributes, boolean error,
                        String traceState, boolean shared) {
        this(traceId, spanId, parentSpanId, name, kind, startEpochNanos, endEpochNanos, attributes, error,
                traceState, shared, null);
    }

    public FinishedSpan(String traceId, String spanId, String parentSpanId, String name, Kind kind,
                        long startEpochNanos, long endEpochNanos, Map<String, String> attributes, boolean error,
                        String traceState) {
        this(traceId, spanId, parentSpanId, name, kind, startEpochNanos, endEpochNanos, attributes, error,
                traceState, false);
    }

    public enum Kind { SERVER, CLIENT }
}
