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
}
