package io.remora.upstream;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.stats.StatNames;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Envoy's {@code dns_cache.<name>.*} stats. Envoy extracts no tag from that scope, so in
 * Prometheus the cache's name stays in the metric name: {@code envoy_dns_cache_<name>_dns_query_attempt}.
 */
public final class DnsCacheStats {

    /** Every stat of the scope, for telling the cache's name apart from the stat in a metric name. */
    public static final java.util.List<String> NAMES = java.util.List.of("cache_load", "dns_query_attempt", "dns_query_failure", "dns_query_success",
        "dns_query_timeout", "host_added", "host_address_changed", "host_overflow", "host_removed",
        "dns_rq_pending_overflow", "num_hosts");

    final Counter dnsQueryAttempt;
    final Counter dnsQueryFailure;
    final Counter dnsQuerySuccess;
    final Counter dnsQueryTimeout;
    final Counter hostAdded;
    final Counter hostAddressChanged;
    final Counter hostOverflow;
    final Counter hostRemoved;
    final Counter dnsRqPendingOverflow;
    final AtomicLong numHosts = new AtomicLong();

    DnsCacheStats(MeterRegistry r, String cacheName) {
        String p = "envoy_dns_cache_" + StatNames.sanitize(cacheName) + "_";
        // Envoy declares it too; Remora has no key-value store to load a cache from.
        Counter.builder(p + "cache_load").register(r);
        dnsQueryTimeout = counter(r, p, "dns_query_timeout");
        dnsQueryAttempt = counter(r, p, "dns_query_attempt");
        dnsQueryFailure = counter(r, p, "dns_query_failure");
        dnsQuerySuccess = counter(r, p, "dns_query_success");
        hostAdded = counter(r, p, "host_added");
        hostAddressChanged = counter(r, p, "host_address_changed");
        hostOverflow = counter(r, p, "host_overflow");
        hostRemoved = counter(r, p, "host_removed");
        dnsRqPendingOverflow = counter(r, p, "dns_rq_pending_overflow");
        Gauge.builder(p + "num_hosts", numHosts, AtomicLong::get).register(r);
    }

    private static Counter counter(MeterRegistry r, String prefix, String stat) {
        return Counter.builder(prefix + stat).register(r);
    }
}
