package io.remora.extensions.filters.http.grpc_web;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.stats.ClusterStats;
import io.remora.stats.StatNames;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Envoy's gRPC-Web call counters ({@code Grpc::Context::chargeStat} with protocol grpc-web):
 * {@code cluster.<name>.grpc-web.<service>.<method>.(<grpc-status>|success|failure|total)}. No
 * default tag extractor takes {@code grpc-web} apart, so service and method stay in the exported
 * name ({@code envoy_cluster_grpc_web_<service>_<method>_success}), as Envoy's Prometheus output
 * has them. Shared by every worker.
 */
final class GrpcWebStats {

    /**
     * The service and method come from the client's :path, as in Envoy; past this many distinct
     * calls new ones are not counted, so a client cannot grow the registry without bound.
     */
    static final int MAX_CALLS = 10_000;

    private final MeterRegistry registry;
    /** By cluster, then by :path without its query. */
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, Call>> calls = new ConcurrentHashMap<>();
    private final AtomicInteger callCount = new AtomicInteger();

    GrpcWebStats(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * The counters of a call to {@code cluster} on {@code path}; null when the path is not
     * {@code /<service>/<method>} (Envoy counts nothing then) or past {@link #MAX_CALLS}.
     */
    Call call(String cluster, String path) {
        int q = path.indexOf('?');
        String key = q >= 0 ? path.substring(0, q) : path;
        ConcurrentHashMap<String, Call> byPath = calls.computeIfAbsent(cluster, c -> new ConcurrentHashMap<>());
        Call c = byPath.get(key);
        if (c == null) {
            String[] names = serviceAndMethod(key);
            if (names == null || callCount.get() >= MAX_CALLS) {
                return null;
            }
            c = byPath.computeIfAbsent(key, k -> {
                callCount.incrementAndGet();
                return new Call(cluster, StatNames.sanitize(names[0] + "." + names[1]) + "_");
            });
        }
        return c;
    }

    /** Envoy's resolveServiceAndMethod: exactly two non-empty '/'-separated segments. */
    private static String[] serviceAndMethod(String path) {
        String[] out = new String[2];
        int n = 0;
        for (String s : path.split("/")) {
            if (!s.isEmpty()) {
                if (n == 2) {
                    return null;
                }
                out[n++] = s;
            }
        }
        return n == 2 ? out : null;
    }

    /** One call's counters; the per-status ones made on first use (0..16, else "other"). */
    final class Call {
        private final String cluster;
        private final String prefix;
        private final Counter success;
        private final Counter failure;
        private final Counter total;
        private final Counter[] byStatus = new Counter[18];

        Call(String cluster, String prefix) {
            this.cluster = cluster;
            this.prefix = prefix;
            success = counter("success");
            failure = counter("failure");
            total = counter("total");
        }

        /** Envoy's chargeStat for a grpc-status value. */
        void charge(CharSequence status) {
            int code = code(status);
            Counter c = byStatus[code];
            if (c == null) {
                c = counter(code == 17 ? "other" : Integer.toString(code));
                byStatus[code] = c;
            }
            c.increment();
            (code == 0 ? success : failure).increment();
            total.increment();
        }

        private Counter counter(String stat) {
            return Counter.builder("envoy_cluster_grpc_web_" + prefix + stat).tag(ClusterStats.TAG, cluster)
                    .register(registry);
        }
    }

    /** The well-known status codes by their text ("0".."16"); 17 for any other value. */
    private static int code(CharSequence s) {
        int n = s.length();
        if (n == 0 || n > 2) {
            return 17;
        }
        int v = 0;
        for (int i = 0; i < n; i++) {
            char ch = s.charAt(i);
            if (ch < '0' || ch > '9' || (i == 0 && ch == '0' && n > 1)) {
                return 17;
            }
            v = v * 10 + (ch - '0');
        }
        return v <= 16 ? v : 17;
    }
}
