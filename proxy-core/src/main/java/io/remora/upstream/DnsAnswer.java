package io.remora.upstream;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

/**
 * The addresses a name resolved to, in the order the lookup family prefers.
 *
 * @param ttl the smallest TTL of the records; null when the resolver cannot tell (the system
 *            resolver, a hosts file entry), which respect_dns_ttl treats like Envoy's TTL of 0
 */
public record DnsAnswer(List<InetAddress> addresses, Duration ttl) {
    public DnsAnswer {
        addresses = List.copyOf(addresses);
    }
}
