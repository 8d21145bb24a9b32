package io.remora.upstream;

import io.remora.config.ClusterConfig;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The resolution rounds of one STRICT_DNS or LOGICAL_DNS cluster on the DNS thread, each
 * scheduling the next as Envoy's resolve timer does: after a success, respect_dns_ttl's smallest
 * TTL or else dns_refresh_rate, plus a random part of dns_jitter; after a failure, dns_failure_refresh_rate's backoff or else
 * dns_refresh_rate. Envoy times each name on its own; here a cluster's names share one round,
 * whose next run is the earliest any of them asks for.
 */
final class DnsRefreshTask {
    private static final Logger LOG = Logger.getLogger(DnsRefreshTask.class.getName());

    private final ClusterImpl cluster;
    private final DnsResolvers resolvers;
    private final ScheduledExecutorService executor;
    private final Duration rate;
    private final io.remora.util.JitteredBackOff backoff;
    private ScheduledFuture<?> next;
    private boolean stopped;

    DnsRefreshTask(ClusterImpl cluster, DnsResolvers resolvers, ScheduledExecutorService executor, Duration rate) {
        this.cluster = cluster;
        this.resolvers = resolvers;
        this.executor = executor;
        this.rate = rate;
        ClusterConfig c = cluster.config();
        this.backoff = c.dnsFailureRefresh() == null ? null : new io.remora.util.JitteredBackOff(
                c.dnsFailureRefresh().base().toMillis(), c.dnsFailureRefresh().max().toMillis());
    }

    void start() {
        schedule(0);
    }

    synchronized void stop() {
        stopped = true;
        if (next != null) {
            next.cancel(false);
        }
    }

    private synchronized void schedule(long delayMs) {
        if (stopped) {
            return;
        }
        try {
            next = executor.schedule(this::run, delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            stopped = true; // the cluster manager is closing
        }
    }

    private void run() {
        long delay = rate.toMillis();
        try {
            DnsRefresher.Round round = DnsRefresher.refresh(cluster, resolvers.forCluster(cluster.config()));
            delay = nextDelay(round);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "DNS refresh of cluster " + cluster.config().name() + " failed", e);
            cluster.markInitialized();
        }
        schedule(delay);
    }

    /** The delay after a successful round: the TTL or the rate, plus dns_jitter's random part. */
    static long afterSuccess(ClusterConfig c, DnsRefresher.Round round, long rateMillis) {
        long delay = c.respectDnsTtl() && round.minTtl() != null ? round.minTtl().toMillis() : rateMillis;
        Duration jitter = c.dnsJitter();
        if (jitter != null && jitter.toMillis() > 0) {
            // As Envoy's: only after a success, so that many proxies do not ask in step.
            delay += java.util.concurrent.ThreadLocalRandom.current().nextLong(jitter.toMillis());
        }
        return delay;
    }

    long nextDelay(DnsRefresher.Round round) {
        long delay = Long.MAX_VALUE;
        if (round.anyResolved()) {
            if (backoff != null) {
                backoff.reset();
            }
            delay = afterSuccess(cluster.config(), round, rate.toMillis());
        }
        if (round.anyFailed()) {
            delay = Math.min(delay, backoff != null ? backoff.nextMillis() : rate.toMillis());
        }
        return delay == Long.MAX_VALUE ? rate.toMillis() : delay;
    }
}
