package io.remora.config;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

/**
 * {@code envoy.extensions.filters.udp.dns_filter.v3.DnsFilterConfig}: a UDP listener that answers
 * DNS queries from its table (inline or the external file's, already read) and, with a client
 * config, asks a resolver for the names the table cannot answer.
 *
 * @param domains            the table's {@code virtual_domains}, in config order
 * @param externalRetryCount the table's {@code external_retry_count}: lookups that time out are retried this often
 * @param client             {@code client_config}; null: nothing is resolved externally
 */
public record DnsFilterConfig(String statPrefix, List<VirtualDomain> domains, int externalRetryCount, Client client)
        implements UdpListenerFilterConfig {

    /** Envoy's answer TTL for names without {@code answer_ttl}. */
    public static final Duration DEFAULT_ANSWER_TTL = Duration.ofSeconds(300);
    /** Envoy's {@code resolver_timeout} default. */
    public static final Duration DEFAULT_RESOLVER_TIMEOUT = Duration.ofMillis(500);

    public DnsFilterConfig {
        domains = List.copyOf(domains);
    }

    /**
     * One {@code virtual_domains} entry: its endpoint is one of addresses, cluster and services.
     *
     * @param name      the name as configured; {@code *.example.com} matches names below example.com
     * @param addresses {@code address_list}, or null
     * @param cluster   {@code cluster_name}, or null
     * @param services  {@code service_list}, or null
     * @param answerTtl {@code answer_ttl}, or null for the default
     */
    public record VirtualDomain(String name, List<InetAddress> addresses, String cluster, List<Service> services,
                                Duration answerTtl) {
        public VirtualDomain {
            addresses = addresses == null ? null : List.copyOf(addresses);
            services = services == null ? null : List.copyOf(services);
        }
    }

    /**
     * A {@code DnsService}: SRV records for {@code _<service>._<protocol>.<domain>}.
     *
     * @param fullName that name, as Envoy builds it
     */
    public record Service(String fullName, Duration ttl, List<Target> targets) {
        public Service {
            targets = List.copyOf(targets);
        }
    }

    /**
     * A service target: a host name of the table ({@code host_name}) or a cluster ({@code cluster_name}).
     *
     * @param port 0 for a cluster target: each host's own port
     */
    public record Target(String name, boolean cluster, int priority, int weight, int port) {
    }

    /**
     * {@code client_config}.
     *
     * @param resolver          the resolver asked ({@code typed_dns_resolver_config} or {@code dns_resolution_config})
     * @param timeout           {@code resolver_timeout}
     * @param maxPendingLookups {@code max_pending_lookups}
     */
    public record Client(DnsResolverConfig resolver, Duration timeout, long maxPendingLookups) {
    }
}
