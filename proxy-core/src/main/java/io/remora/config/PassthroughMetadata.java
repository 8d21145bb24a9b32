package io.remora.config;

/**
 * One entry of the {@code internal_upstream} transport socket's {@code passthrough_metadata}: the
 * filter metadata namespace of the upstream host (endpoint) or of its cluster that the internal
 * listener's connection receives as its dynamic metadata, as Envoy hands it over (Istio puts the
 * destination there, e.g. {@code envoy.filters.listener.original_dst: {local: "10.0.0.5:80"}}).
 */
public record PassthroughMetadata(Kind kind, String namespace) {

    public enum Kind { HOST, CLUSTER }

    public PassthroughMetadata {
        java.util.Objects.requireNonNull(kind, "kind");
        java.util.Objects.requireNonNull(namespace, "namespace");
    }
}
