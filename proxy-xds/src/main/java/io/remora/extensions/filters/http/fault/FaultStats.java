package io.remora.extensions.filters.http.fault;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.stats.HttpConnManagerStats;

import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Envoy's {@code http.<stat_prefix>.fault.*} stats, with Envoy's Prometheus names and tags
 * ({@code envoy_http_fault_aborts_injected{envoy_http_conn_manager_prefix="…"}}, and per downstream
 * cluster with {@code envoy_fault_downstream_cluster="…"}). As in Envoy they belong to the
 * connection manager's scope, so every fault filter under one stat prefix shares them, including
 * the {@code active_faults} gauge that {@code max_active_faults} is checked against.
 */
final class FaultStats {

    static final String DOWNSTREAM_CLUSTER_TAG = "envoy_fault_downstream_cluster";

    /** One instance per registry and prefix, so that the gauge's value is shared. */
    private static final Map<MeterRegistry, ConcurrentMap<String, FaultStats>> ALL = new WeakHashMap<>();

    final Counter abortsInjected;
    final Counter delaysInjected;
    final Counter faultsOverflow;
    final Counter responseRlInjected;
    final AtomicLong activeFaults = new AtomicLong();
    private final MeterRegistry registry;
    private final String prefix;
    private final ConcurrentMap<String, Counter> abortsByDownstreamCluster = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Counter> delaysByDownstreamCluster = new ConcurrentHashMap<>();

    private FaultStats(MeterRegistry r, String prefix) {
        this.registry = r;
        this.prefix = prefix;
        abortsInjected = counter("envoy_http_fault_aborts_injected", null);
        delaysInjected = counter("envoy_http_fault_delays_injected", null);
        faultsOverflow = counter("envoy_http_fault_faults_overflow", null);
        responseRlInjected = counter("envoy_http_fault_response_rl_injected", null);
        Gauge.builder("envoy_http_fault_active_faults", activeFaults, AtomicLong::get)
                .tag(HttpConnManagerStats.TAG, prefix).register(r);
    }

    static FaultStats of(MeterRegistry registry, String prefix) {
        ConcurrentMap<String, FaultStats> byPrefix;
        synchronized (ALL) {
            byPrefix = ALL.computeIfAbsent(registry, r -> new ConcurrentHashMap<>());
        }
        return byPrefix.computeIfAbsent(prefix, p -> new FaultStats(registry, p));
    }

    private Counter counter(String name, String downstreamCluster) {
        Counter.Builder b = Counter.builder(name).tag(HttpConnManagerStats.TAG, prefix);
        if (downstreamCluster != null) {
            b.tag(DOWNSTREAM_CLUSTER_TAG, downstreamCluster);
        }
        return b.register(registry);
    }

    /**
     * {@code fault.<downstream_cluster>.aborts_injected} or {@code delays_injected}, made on its
     * first use as Envoy makes it: a cluster that was only ever aborted has no delays counter.
     */
    Counter downstream(String cluster, boolean abort) {
        return abort
                ? abortsByDownstreamCluster.computeIfAbsent(cluster, c -> counter("envoy_http_fault_aborts_injected", c))
                : delaysByDownstreamCluster.computeIfAbsent(cluster, c -> counter("envoy_http_fault_delays_injected", c));
    }
}
