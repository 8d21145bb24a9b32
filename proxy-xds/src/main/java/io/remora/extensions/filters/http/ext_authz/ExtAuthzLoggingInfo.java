package io.remora.extensions.filters.http.ext_authz;

import io.remora.accesslog.FilterStateFields;

/**
 * Envoy's ExtAuthzLoggingInfo ({@code emit_filter_state_stats}, or {@code filter_metadata}): left in the request's filter state
 * under the filter's name, read by {@code %FILTER_STATE(<name>:FIELD:latency_us)%}. Remora measures
 * the call's latency; the wire byte counts Envoy records for Envoy-gRPC calls are not measured here,
 * so {@code bytesSent} and {@code bytesReceived} read as absent. Like Envoy's, it has no text form.
 */
final class ExtAuthzLoggingInfo implements FilterStateFields {
    /** {@code filter_metadata}, or null; like Envoy's, for code that reads the object, not a format field. */
    private final com.google.protobuf.Struct filterMetadata;

    private long latencyMicros = -1;

    ExtAuthzLoggingInfo(com.google.protobuf.Struct filterMetadata) {
        this.filterMetadata = filterMetadata;
    }

    com.google.protobuf.Struct filterMetadata() {
        return filterMetadata;
    }

    void latency(long micros) {
        latencyMicros = micros;
    }

    long latencyMicros() {
        return latencyMicros;
    }

    @Override
    public Object field(String name) {
        return name.equals("latency_us") && latencyMicros >= 0 ? latencyMicros : null;
    }

    @Override
    public String text() {
        return null;
    }
}
