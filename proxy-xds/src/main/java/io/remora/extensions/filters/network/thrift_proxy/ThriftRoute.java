package io.remora.extensions.filters.network.thrift_proxy;

import io.remora.config.HeaderMatcher;

import java.util.List;
import java.util.Map;

/**
 * One {@code thrift_proxy.v3.Route}: a method name (exact) or service name ({@code "svc:"} prefix)
 * match, inverted or not, with header matchers (header transport), and its action.
 *
 * @param methodName    exact method, "" for any; null when the route matches a service name
 * @param serviceName   the prefix with its ':' appended, "" for any; null when by method
 * @param cluster       a fixed cluster, or null
 * @param weighted      weighted clusters (empty unless used)
 * @param clusterHeader the header naming the cluster, or null
 * @param metadataMatch the {@code envoy.lb} subset criteria, or null
 */
public record ThriftRoute(String methodName, String serviceName, boolean invert, List<HeaderMatcher> headers,
                          String cluster, List<Weighted> weighted, String clusterHeader, boolean stripServiceName,
                          Map<String, Object> metadataMatch, List<Mirror> mirrors) {

    /** A weighted cluster with its own {@code envoy.lb} criteria merged over the route's. */
    public record Weighted(String name, int weight, Map<String, Object> metadataMatch) {
    }

    /**
     * A {@code request_mirror_policies} entry: the share of requests copied to the cluster; a null
     * fraction mirrors every request, as Envoy's.
     */
    public record Mirror(String cluster, String runtimeKey, io.remora.runtime.FractionalPercent fraction) {
    }

    public ThriftRoute {
        headers = List.copyOf(headers);
        weighted = List.copyOf(weighted);
        mirrors = List.copyOf(mirrors);
    }

    /** A route matching any method, to no cluster yet: set a match and one action. */
    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private String methodName = "";
        private String serviceName;
        private boolean invert;
        private List<HeaderMatcher> headers = List.of();
        private String cluster;
        private List<Weighted> weighted = List.of();
        private String clusterHeader;
        private boolean stripServiceName;
        private Map<String, Object> metadataMatch;
        private List<Mirror> mirrors = List.of();

        private Builder() {
        }

        public Builder methodName(String v) {
            methodName = v;
            serviceName = null;
            return this;
        }

        /** A service name prefix, its ':' already appended (or "" for any). */
        public Builder serviceName(String v) {
            serviceName = v;
            methodName = null;
            return this;
        }

        public Builder invert(boolean v) {
            invert = v;
            return this;
        }

        public Builder headers(List<HeaderMatcher> v) {
            headers = v;
            return this;
        }

        public Builder cluster(String v) {
            cluster = v;
            return this;
        }

        public Builder weighted(List<Weighted> v) {
            weighted = v;
            return this;
        }

        public Builder clusterHeader(String v) {
            clusterHeader = v;
            return this;
        }

        public Builder stripServiceName(boolean v) {
            stripServiceName = v;
            return this;
        }

        public Builder metadataMatch(Map<String, Object> v) {
            metadataMatch = v;
            return this;
        }

        public Builder mirrors(List<Mirror> v) {
            mirrors = v;
            return this;
        }

        public ThriftRoute build() {
            return new ThriftRoute(methodName, serviceName, invert, headers, cluster, weighted, clusterHeader,
                    stripServiceName, metadataMatch, mirrors);
        }
    }
}
