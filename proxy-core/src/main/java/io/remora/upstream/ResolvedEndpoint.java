package io.remora.upstream;

import io.remora.config.Address;
import io.remora.config.ClusterLoadAssignment;
import io.remora.config.ClusterLoadAssignment.HealthStatus;
import io.remora.config.ProxyProtocolTlv;
import java.net.SocketAddress;
import java.util.List;
import java.util.Map;

/**
 * One endpoint after resolution: what a {@link Host} is built from. {@code addresses} is every
 * address it may be reached at, {@code address} first (additional_addresses, or a LOGICAL_DNS
 * answer), tried by happy eyeballs; empty when it has only {@code address}.
 */
record ResolvedEndpoint(Address configured, SocketAddress address, String hostname,
                        ClusterLoadAssignment.Locality locality, int weight, HealthStatus health,
                        int priority, Map<String, Object> socketMatchMetadata,
                        Map<String, Object> lbMetadata,
                        Map<String, Map<String, Object>> filterMetadata,
                        List<ProxyProtocolTlv> proxyProtocolTlvs,
                        java.net.InetSocketAddress http11ProxyAddress,
                        ClusterLoadAssignment.EndpointHealthCheck healthCheck,
                        List<SocketAddress> addresses) {
    ResolvedEndpoint {
        addresses = addresses == null || addresses.size() < 2 ? List.of() : List.copyOf(addresses);
    }

    ResolvedEndpoint(Address configured, SocketAddress address, String hostname,
                     ClusterLoadAssignment.Locality locality, int weight, HealthStatus health, int priority,
                     Map<String, Object> socketMatchMetadata, Map<String, Object> lbMetadata,
                     Map<String, Map<String, Object>> filterMetadata, List<ProxyProtocolTlv> proxyProtocolTlvs,
                     java.net.InetSocketAddress http11ProxyAddress, ClusterLoadAssignment.EndpointHealthCheck healthCheck) {
        this(configured, address, hostname, locality, weight, health, priority, socketMatchMetadata, lbMetadata,
                filterMetadata, proxyProtocolTlvs, http11ProxyAddress, healthCheck, List.of());
    }

    ResolvedEndpoint(Address configured, SocketAddress address, String hostname,
                     ClusterLoadAssignment.Locality locality, int weight, HealthStatus health, int priority,
                     Map<String, Object> socketMatchMetadata, Map<String, Object> lbMetadata,
                     Map<String, Map<String, Object>> filterMetadata, List<ProxyProtocolTlv> proxyProtocolTlvs,
                     java.net.InetSocketAddress http11ProxyAddress) {
        this(configured, address, hostname, locality, weight, health, priority, socketMatchMetadata, lbMetadata,
                filterMetadata, proxyProtocolTlvs, http11ProxyAddress, null);
    }

    ResolvedEndpoint(Address configured, SocketAddress address, String hostname,
                     ClusterLoadAssignment.Locality locality, int weight, HealthStatus health, int priority,
                     Map<String, Object> socketMatchMetadata, Map<String, Object> lbMetadata,
                     Map<String, Map<String, Object>> filterMetadata, List<ProxyProtocolTlv> proxyProtocolTlvs) {
        this(configured, address, hostname, locality, weight, health, priority, socketMatchMetadata, lbMetadata,
                filterMetadata, proxyProtocolTlvs, null);
    }

    ResolvedEndpoint(Address configured, SocketAddress address, String hostname,
                     ClusterLoadAssignment.Locality locality, int weight, HealthStatus health, int priority,
                     Map<String, Object> socketMatchMetadata, Map<String, Object> lbMetadata,
                     Map<String, Map<String, Object>> filterMetadata) {
        this(configured, address, hostname, locality, weight, health, priority, socketMatchMetadata, lbMetadata,
                filterMetadata, List.of());
    }

    ResolvedEndpoint(Address configured, SocketAddress address, String hostname,
                     ClusterLoadAssignment.Locality locality, int weight, HealthStatus health, int priority,
                     Map<String, Object> socketMatchMetadata, Map<String, Object> lbMetadata) {
        this(configured, address, hostname, locality, weight, health, priority, socketMatchMetadata, lbMetadata,
                Map.of());
    }

    ResolvedEndpoint(Address configured, SocketAddress address, String hostname,
                     ClusterLoadAssignment.Locality locality, int weight, HealthStatus health, int priority,
                     Map<String, Object> socketMatchMetadata) {
        this(configured, address, hostname, locality, weight, health, priority, socketMatchMetadata,
                Map.of());
    }

    ResolvedEndpoint(Address configured, SocketAddress address, String hostname,
                     ClusterLoadAssignment.Locality locality, int weight, HealthStatus health, int priority) {
        this(configured, address, hostname, locality, weight, health, priority, Map.of());
    }
}
