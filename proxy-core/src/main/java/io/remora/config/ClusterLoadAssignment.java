package io.remora.config;

import java.util.List;

/** {@code config.endpoint.v3.ClusterLoadAssignment}. */
public record ClusterLoadAssignment(String clusterName, List<LocalityLbEndpoints> endpoints,
                                    int overprovisioningFactor, Policy policy) {

    public ClusterLoadAssignment {
        policy = policy == null ? Policy.NONE : policy;
    }

    /** Without drop_overloads, endpoint_stale_after or weighted_priority_health. */
    public ClusterLoadAssignment(String clusterName, List<LocalityLbEndpoints> endpoints, int overprovisioningFactor) {
        this(clusterName, endpoints, overprovisioningFactor, Policy.NONE);
    }

    /**
     * The rest of {@code ClusterLoadAssignment.Policy}.
     *
     * @param dropCategory           the single drop_overloads category, or null for none
     * @param dropFraction           its drop_percentage as a fraction in [0, 1]: that share of the
     *                               cluster's requests is answered 503 before a host is picked
     * @param endpointStaleAfter     endpoints of an EDS cluster without an update for this long are
     *                               dropped; null: never
     * @param weightedPriorityHealth a priority's health is the weight of its healthy hosts over the
     *                               weight of all its hosts, not their count
     */
    public record Policy(String dropCategory, double dropFraction, java.time.Duration endpointStaleAfter,
                         boolean weightedPriorityHealth) {
        public static final Policy NONE = new Policy(null, 0, null, false);
    }

    /** {@code LocalityLbEndpoints}; loadBalancingWeight 0 when unset. */
    public record LocalityLbEndpoints(Locality locality, int loadBalancingWeight, int priority,
                                      List<LbEndpoint> lbEndpoints) {
    }

    public record Locality(String region, String zone, String subZone) {
        public static final Locality NONE = new Locality("", "", "");
    }

    /**
     * {@code LbEndpoint}; weight defaults to 1. A DNS cluster's address host is a name that the
     * cluster resolves. {@code socketMatchMetadata} is the endpoint's
     * {@code metadata.filter_metadata["envoy.transport_socket_match"]} (Istio's {@code tlsMode});
     * {@code lbMetadata} its {@code filter_metadata["envoy.lb"]} ({@code canary}, labels retry
     * host predicates match).
     */
    /**
     * @param filterMetadata the endpoint's other filter metadata by namespace (e.g. Istio's
     *                       {@code istio.workload}), for the filters and formatters that read it
     * @param http11ProxyAddress the {@code envoy.http11_proxy_transport_socket.proxy_address} typed
     *                       metadata of the endpoint, else of its locality: the HTTP/1.1 proxy an
     *                       http_11_proxy socket reaches it through; null for none
     * @param healthCheck    the endpoint's {@code health_check_config}; null when it has none
     * @param additionalAddresses the endpoint's {@code additional_addresses} (IP only): tried after
     *                       or alongside {@code address} by happy eyeballs; empty for none
     */
    public record LbEndpoint(Address address, int loadBalancingWeight, HealthStatus healthStatus,
                             String hostname, java.util.Map<String, Object> socketMatchMetadata,
                             java.util.Map<String, Object> lbMetadata,
                             java.util.Map<String, java.util.Map<String, Object>> filterMetadata,
                             java.util.List<ProxyProtocolTlv> proxyProtocolTlvs,
                             java.net.InetSocketAddress http11ProxyAddress, EndpointHealthCheck healthCheck,
                             java.util.List<Address> additionalAddresses) {
        public LbEndpoint {
            additionalAddresses = additionalAddresses == null ? java.util.List.of() : java.util.List.copyOf(additionalAddresses);
            socketMatchMetadata = socketMatchMetadata == null ? java.util.Map.of() : java.util.Map.copyOf(socketMatchMetadata);
            lbMetadata = lbMetadata == null ? java.util.Map.of() : java.util.Map.copyOf(lbMetadata);
            filterMetadata = filterMetadata == null ? java.util.Map.of() : java.util.Map.copyOf(filterMetadata);
            proxyProtocolTlvs = proxyProtocolTlvs == null ? java.util.List.of() : java.util.List.copyOf(proxyProtocolTlvs);
        }

        /** Without additional_addresses. */
        public LbEndpoint(Address address, int loadBalancingWeight, HealthStatus healthStatus, String hostname,
                          java.util.Map<String, Object> socketMatchMetadata, java.util.Map<String, Object> lbMetadata,
                          java.util.Map<String, java.util.Map<String, Object>> filterMetadata,
                          java.util.List<ProxyProtocolTlv> proxyProtocolTlvs, java.net.InetSocketAddress http11ProxyAddress,
                          EndpointHealthCheck healthCheck) {
            this(address, loadBalancingWeight, healthStatus, hostname, socketMatchMetadata, lbMetadata, filterMetadata,
                    proxyProtocolTlvs, http11ProxyAddress, healthCheck, java.util.List.of());
        }

        /** Without health_check_config. */
        public LbEndpoint(Address address, int loadBalancingWeight, HealthStatus healthStatus, String hostname,
                          java.util.Map<String, Object> socketMatchMetadata, java.util.Map<String, Object> lbMetadata,
                          java.util.Map<String, java.util.Map<String, Object>> filterMetadata,
                          java.util.List<ProxyProtocolTlv> proxyProtocolTlvs, java.net.InetSocketAddress http11ProxyAddress) {
            this(address, loadBalancingWeight, healthStatus, hostname, socketMatchMetadata, lbMetadata, filterMetadata,
                    proxyProtocolTlvs, http11ProxyAddress, null);
        }

        /** Without an HTTP/1.1 proxy. */
        public LbEndpoint(Address address, int loadBalancingWeight, HealthStatus healthStatus, String hostname,
                          java.util.Map<String, Object> socketMatchMetadata, java.util.Map<String, Object> lbMetadata,
                          java.util.Map<String, java.util.Map<String, Object>> filterMetadata,
                          java.util.List<ProxyProtocolTlv> proxyProtocolTlvs) {
            this(address, loadBalancingWeight, healthStatus, hostname, socketMatchMetadata, lbMetadata, filterMetadata,
                    proxyProtocolTlvs, null);
        }

        /** Without PROXY protocol TLVs of its own. */
        public LbEndpoint(Address address, int loadBalancingWeight, HealthStatus healthStatus, String hostname,
                          java.util.Map<String, Object> socketMatchMetadata, java.util.Map<String, Object> lbMetadata,
                          java.util.Map<String, java.util.Map<String, Object>> filterMetadata) {
            this(address, loadBalancingWeight, healthStatus, hostname, socketMatchMetadata, lbMetadata, filterMetadata,
                    java.util.List.of());
        }

        /** Without other filter metadata. */
        public LbEndpoint(Address address, int loadBalancingWeight, HealthStatus healthStatus, String hostname,
                          java.util.Map<String, Object> socketMatchMetadata, java.util.Map<String, Object> lbMetadata) {
            this(address, loadBalancingWeight, healthStatus, hostname, socketMatchMetadata, lbMetadata, java.util.Map.of());
        }

        /** Without {@code envoy.lb} metadata (canary, subset labels). */
        public LbEndpoint(Address address, int loadBalancingWeight, HealthStatus healthStatus, String hostname,
                          java.util.Map<String, Object> socketMatchMetadata) {
            this(address, loadBalancingWeight, healthStatus, hostname, socketMatchMetadata, java.util.Map.of());
        }

        /** An endpoint without transport-socket-match metadata. */
        public LbEndpoint(Address address, int loadBalancingWeight, HealthStatus healthStatus, String hostname) {
            this(address, loadBalancingWeight, healthStatus, hostname, java.util.Map.of());
        }
    }

    /**
     * An endpoint's {@code health_check_config}: where active health checks go instead of the
     * endpoint's own address, and whether they run at all.
     *
     * @param address   {@code address}: another address to check; null for the endpoint's
     * @param portValue {@code port_value}: the port to check instead; 0 to keep the address's
     * @param hostname  {@code hostname}: the HTTP/gRPC checks' host, over the checker's; null for none
     * @param disabled  {@code disable_active_health_check}: never checked, counted healthy by active checking
     */
    public record EndpointHealthCheck(java.net.InetSocketAddress address, int portValue, String hostname,
                                      boolean disabled) {
    }

    public enum HealthStatus { UNKNOWN, HEALTHY, UNHEALTHY, DRAINING, TIMEOUT, DEGRADED }
}
