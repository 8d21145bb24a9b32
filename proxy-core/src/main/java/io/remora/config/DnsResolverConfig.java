package io.remora.config;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * How a DNS cluster's names are resolved: Envoy's {@code typed_dns_resolver_config} (c-ares or
 * getaddrinfo), {@code dns_resolution_config}, or the legacy {@code dns_resolvers} /
 * {@code use_tcp_for_dns_lookups}, of a cluster or of the bootstrap. Equal configs share one resolver.
 *
 * @param kind                  SYSTEM: the platform's getaddrinfo (hosts file, nsswitch), which
 *                              reports no TTLs; NAME_SERVERS: Remora queries name servers itself
 *                              (c-ares' role in Envoy), so answers carry their TTLs
 * @param nameServers           the servers to query (IP literals; port 53 unless given); empty:
 *                              those of /etc/resolv.conf
 * @param nameServersAsFallback c-ares {@code use_resolvers_as_fallback}: {@code nameServers} only
 *                              when /etc/resolv.conf names none
 * @param useTcp                {@code use_tcp_for_dns_lookups}: every query over TCP
 * @param noDefaultSearchDomain {@code no_default_search_domain}: names are queried as they are,
 *                              without resolv.conf's search list
 * @param queryTimeout          how long one name server has to answer (c-ares
 *                              {@code query_timeout_seconds}, Envoy's default 5 s)
 * @param numRetries            SYSTEM: getaddrinfo's {@code num_retries}, how often a lookup that
 *                              failed with EAI_AGAIN is tried again; null: until it succeeds
 * @param resolverThreads       SYSTEM: how many threads call getaddrinfo (Envoy's default, 1);
 *                              lookups beyond them wait their turn
 */
public record DnsResolverConfig(Kind kind, List<InetSocketAddress> nameServers, boolean nameServersAsFallback,
                                boolean useTcp, boolean noDefaultSearchDomain, Duration queryTimeout,
                                Integer numRetries, int resolverThreads) {

    /** Envoy's default per-server query timeout for c-ares. */
    public static final Duration DEFAULT_QUERY_TIMEOUT = Duration.ofSeconds(5);

    /** The platform resolver (Envoy's getaddrinfo extension) with its defaults. */
    public static final DnsResolverConfig SYSTEM = getAddrInfo(null, 1);

    /** Name servers from /etc/resolv.conf over UDP: c-ares with no options. */
    public static final DnsResolverConfig RESOLV_CONF = builder().build();

    public DnsResolverConfig {
        nameServers = nameServers == null ? List.of() : List.copyOf(nameServers);
        queryTimeout = queryTimeout == null ? DEFAULT_QUERY_TIMEOUT : queryTimeout;
        if (resolverThreads < 1) {
            throw new IllegalArgumentException("resolverThreads must be at least 1");
        }
    }

    /** The getaddrinfo resolver: {@code numRetries} null retries EAI_AGAIN until it succeeds. */
    public static DnsResolverConfig getAddrInfo(Integer numRetries, int resolverThreads) {
        return new DnsResolverConfig(Kind.SYSTEM, List.of(), false, false, false, DEFAULT_QUERY_TIMEOUT, numRetries,
                resolverThreads);
    }

    public enum Kind { SYSTEM, NAME_SERVERS }

    /** A NAME_SERVERS config with c-ares' defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a NAME_SERVERS config; unset members keep c-ares' defaults as Envoy sets them. */
    public static final class Builder {
        private List<InetSocketAddress> nameServers = List.of();
        private boolean nameServersAsFallback;
        private boolean useTcp;
        private boolean noDefaultSearchDomain;
        private Duration queryTimeout = DEFAULT_QUERY_TIMEOUT;

        private Builder() {
        }

        public Builder nameServers(List<InetSocketAddress> nameServers) {
            this.nameServers = nameServers;
            return this;
        }

        public Builder nameServersAsFallback(boolean v) {
            this.nameServersAsFallback = v;
            return this;
        }

        public Builder useTcp(boolean v) {
            this.useTcp = v;
            return this;
        }

        public Builder noDefaultSearchDomain(boolean v) {
            this.noDefaultSearchDomain = v;
            return this;
        }

        public Builder queryTimeout(Duration v) {
            this.queryTimeout = v;
            return this;
        }

        public DnsResolverConfig build() {
            return new DnsResolverConfig(Kind.NAME_SERVERS, nameServers, nameServersAsFallback, useTcp,
                    noDefaultSearchDomain, queryTimeout, null, 1);
        }
    }
}
