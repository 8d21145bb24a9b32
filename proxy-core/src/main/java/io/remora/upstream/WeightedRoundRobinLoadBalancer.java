package io.remora.upstream;

import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Weighted round robin as Envoy's EDF scheduler orders it. With static weights the EDF order is
 * periodic: over one period host i is picked weight(i) times, at deadlines k/weight(i). That
 * period is precomputed once per host-set change and shared by the workers; each worker keeps its
 * own position in it (starting at a random point, as Envoy seeds each worker's scheduler), so a
 * pick is an increment and an array read instead of a priority queue.
 */
final class WeightedRoundRobinLoadBalancer implements LoadBalancer {
    /** Bounds the schedule; larger weight sums are scaled down proportionally. */
    static final int MAX_PERIOD = 1 << 16;

    private final Host[] hosts;
    private final int[] schedule;
    private int next;

    private WeightedRoundRobinLoadBalancer(Host[] hosts, int[] schedule) {
        this.hosts = hosts;
        this.schedule = schedule;
        this.next = ThreadLocalRandom.current().nextInt(schedule.length);
    }

    /** Computes the schedule once; every instance the factory makes shares it. */
    static LoadBalancer.Factory factory(Host[] hosts) {
        int n = hosts.length;
        long[] w = new long[n];
        long sum = 0;
        for (int i = 0; i < n; i++) {
            w[i] = Math.max(1, hosts[i].weight());
            sum += w[i];
        }
        if (sum > MAX_PERIOD) {
            long scaled = 0;
            for (int i = 0; i < n; i++) {
                w[i] = Math.max(1, w[i] * MAX_PERIOD / sum);
                scaled += w[i];
            }
            sum = scaled;
        }
        // Entry = (k, host): deadline k / w[host]. Sorting by deadline, ties by host order.
        long[][] entries = new long[(int) sum][];
        int e = 0;
        for (int i = 0; i < n; i++) {
            for (long k = 1; k <= w[i]; k++) {
                entries[e++] = new long[] {k, i};
            }
        }
        Arrays.sort(entries, (a, b) -> {
            int c = Long.compare(a[0] * w[(int) b[1]], b[0] * w[(int) a[1]]);
            return c != 0 ? c : Long.compare(a[1], b[1]);
        });
        int[] schedule = new int[entries.length];
        for (int i = 0; i < entries.length; i++) {
            schedule[i] = (int) entries[i][1];
        }
        return () -> new WeightedRoundRobinLoadBalancer(hosts, schedule);
    }

    @Override
    public Host pick() {
        int i = next;
        next = i + 1 == schedule.length ? 0 : i + 1;
        return hosts[schedule[i]];
    }
}
