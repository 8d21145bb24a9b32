package io.remora.upstream;

import java.util.Map;

/**
 * The endpoint metadata a host keeps, by filter namespace, for {@code %UPSTREAM_METADATA%}:
 * {@code envoy.transport_socket_match} and {@code envoy.lb} as the runtime reads them, every
 * other namespace as the endpoint gave it.
 */
public final class HostMetadata {

    private HostMetadata() {
    }

    public static Map<String, Object> of(Host host, String namespace) {
        if (host == null || namespace == null) {
            return Map.of();
        }
        return switch (namespace) {
            case "envoy.transport_socket_match" -> host.socketMatchMetadata() == null ? Map.of() : host.socketMatchMetadata();
            case "envoy.lb" -> host.lbMetadata();
            default -> host.filterMetadata(namespace);
        };
    }

    /**
     * Every namespace the endpoint's metadata has, sorted by name as protobuf's JSON printer
     * sorts a map; empty when it has none.
     */
    public static Map<String, Map<String, Object>> all(Host host) {
        Map<String, Map<String, Object>> out = new java.util.TreeMap<>();
        for (String ns : host.filterMetadataNamespaces()) {
            out.put(ns, host.filterMetadata(ns));
        }
        if (!host.lbMetadata().isEmpty()) {
            out.put("envoy.lb", host.lbMetadata());
        }
        if (host.socketMatchMetadata() != null && !host.socketMatchMetadata().isEmpty()) {
            out.put("envoy.transport_socket_match", host.socketMatchMetadata());
        }
        return out;
    }
}
