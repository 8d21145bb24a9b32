package io.remora.config;

import java.time.Duration;
import java.util.List;

/**
 * Envoy's {@code extensions.common.dynamic_forward_proxy.v3.DnsCacheConfig}: the cache a dynamic
 * forward proxy filter and cluster share when their configs are equal (same name, same settings).
 *
 * @param name               the cache's name, also its stats scope {@code dns_cache.<name>.}
 * @param lookupFamily       {@code dns_lookup_family}
 * @param refreshRate        {@code dns_refresh_rate}: the next lookup of a name whose answer was empty
 * @param minRefreshRate     {@code dns_min_refresh_rate}: the least delay before a name is looked up again
 * @param hostTtl            {@code host_ttl}: a name unused this long is dropped at its next refresh
 * @param maxHosts           {@code max_hosts}
 * @param maxPendingRequests {@code dns_cache_circuit_breaker.max_pending_requests}
 * @param failureRefresh     {@code dns_failure_refresh_rate}, or null: failures retry after refreshRate
 * @param queryTimeout       {@code dns_query_timeout}; zero: none
 * @param preresolve         {@code preresolve_hostnames} as {@code host:port}
 * @param resolver           the cache's own {@code typed_dns_resolver_config} or
 *                           {@code dns_resolution_config}, or null: the bootstrap's
 *                           {@code typed_dns_resolver_config}, else c-ares' default
 * @param useTcpForDnsLookups the legacy {@code use_tcp_for_dns_lookups}: c-ares' default over TCP
 *                           when neither the cache nor the bootstrap types a resolver
 */
public record DnsCacheConfig(String name, ClusterConfig.DnsLookupFamily lookupFamily, Duration refreshRate,
                             Duration minRefreshRate, Duration hostTtl, int maxHosts, int maxPendingRequests,
                             ClusterConfig.DnsFailureRefresh failureRefresh, Duration queryTimeout,
                             List<String> preresolve, DnsResolverConfig resolver,
                             boolean useTcpForDnsLookups) {

    public DnsCacheConfig {
        preresolve = List.copyOf(preresolve);
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** Envoy's defaults: refresh 60 s, min refresh 5 s, host_ttl 5 min, 1024 hosts and pending lookups, timeout 5 s. */
    public static final class Builder {
        private final String name;
        private ClusterConfig.DnsLookupFamily lookupFamily = ClusterConfig.DnsLookupFamily.AUTO;
        private Duration refreshRate = Duration.ofSeconds(60);
        private Duration minRefreshRate = Duration.ofSeconds(5);
        private Duration hostTtl = Duration.ofMinutes(5);
        private int maxHosts = 1024;
        private int maxPendingRequests = 1024;
        private ClusterConfig.DnsFailureRefresh failureRefresh;
        private Duration queryTimeout = Duration.ofSeconds(5);
        private List<String> preresolve = List.of();
        private DnsResolverConfig resolver;
        private boolean useTcpForDnsLookups;

        private Builder(String name) {
            this.name = name;
        }

        public Builder lookupFamily(ClusterConfig.DnsLookupFamily v) {
            this.lookupFamily = v;
            return this;
        }

        public Builder refreshRate(Duration v) {
            this.refreshRate = v;
            return this;
        }

        public Builder minRefreshRate(Duration v) {
            this.minRefreshRate = v;
            return this;
        }

        public Builder hostTtl(Duration v) {
            this.hostTtl = v;
            return this;
        }

        public Builder maxHosts(int v) {
            this.maxHosts = v;
            return this;
        }

        public Builder maxPendingRequests(int v) {
            this.maxPendingRequests = v;
            return this;
        }

        public Builder failureRefresh(ClusterConfig.DnsFailureRefresh v) {
            this.failureRefresh = v;
            return this;
        }

        public Builder queryTimeout(Duration v) {
            this.queryTimeout = v;
            return this;
        }

        public Builder preresolve(List<String> v) {
            this.preresolve = v;
            return this;
        }

        public Builder resolver(DnsResolverConfig v) {
            this.resolver = v;
            return this;
        }

        public Builder useTcpForDnsLookups(boolean v) {
            this.useTcpForDnsLookups = v;
            return this;
        }

        public DnsCacheConfig build() {
            return new DnsCacheConfig(name, lookupFamily, refreshRate, minRefreshRate, hostTtl, maxHosts,
                    maxPendingRequests, failureRefresh, queryTimeout, preresolve, resolver, useTcpForDnsLookups);
        }
    }
}
