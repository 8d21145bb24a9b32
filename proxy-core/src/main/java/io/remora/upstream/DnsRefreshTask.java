package io.remora.upstream;

import io.remora.config.ClusterConfig;
import io.remora.config.ClusterLoadAssignment.LbEndpoint;
import io.remora.config.ClusterLoadAssignment.LocalityLbEndpoints;
import io.remora.util.JitteredBackOff;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The resolutions of one STRICT_DNS or LOGICAL_DNS cluster, as Envoy's DNS cluster runs its
 * resolve targets: each name ({@link DnsTarget}) is looked up on its own and asynchronously, so
 * that a slow name holds back neither the others nor the DNS thread, and its answer handled on
 * the DNS thread, where its next lookup is timed: after a success,
 * respect_dns_ttl's TTL of that answer or else dns_refresh_rate, plus a random part of dns_jitter;
 * after a failure, dns_failure_refresh_rate's backoff or else dns_refresh_rate. The backoff is the
 * cluster's, shared by its names as Envoy's failure_backoff_strategy_. The cluster's hosts are the
 * union of its names' in config order, rebuilt when a name's answer changed its hosts; a failed
 * resolution keeps the name's hosts. The first resolution that ends, answered or failed,
 * initializes the cluster (strict_dns_cluster.cc: "this will return initialized after a single DNS
 * resolution completes"); the other names' hosts join as they resolve.
 */
final class DnsRefreshTask {
    private static final Logger LOG = Logger.getLogger(DnsRefreshTask.class.getName());

    private final ClusterImpl cluster;
    private final DnsResolvers resolvers;
    private final ScheduledExecutorService dns;
    private final Executor lookups;
    private final Duration rate;
    private final DnsUpdateStats stats;
    private final JitteredBackOff backoff;
    private final List<DnsTarget> targets = new ArrayList<>();
    private volatile boolean stopped;
    /** The union was given to the cluster once: later only a changed name's hosts rebuild it. */
    private boolean published;

    /**
     * @param dns     the thread the cluster's DNS state changes on, and its timers
     * @param lookups where blocking resolvers' lookups run
     */
    DnsRefreshTask(ClusterImpl cluster, DnsResolvers resolvers, ScheduledExecutorService dns, Executor lookups,
                   Duration rate, DnsUpdateStats stats) {
        this.cluster = cluster;
        this.resolvers = resolvers;
        this.dns = dns;
        this.lookups = lookups;
        this.rate = rate;
        this.stats = stats;
        ClusterConfig c = cluster.config();
        this.backoff = c.dnsFailureRefresh() == null ? null : new JitteredBackOff(
                c.dnsFailureRefresh().base().toMillis(), c.dnsFailureRefresh().max().toMillis());
        if (c.loadAssignment() != null) {
            List<ResolvedEndpoint> previous = cluster.endpoints();
            boolean logical = c.type() == ClusterConfig.DiscoveryType.LOGICAL_DNS;
            for (LocalityLbEndpoints lle : c.loadAssignment().endpoints()) {
                for (LbEndpoint ep : lle.lbEndpoints()) {
                    DnsTarget t = new DnsTarget(lle, ep, previous);
                    if (logical && t.name != null) {
                        targets.clear(); // Envoy's logical DNS cluster has exactly this one name
                        targets.add(t);
                        break;
                    }
                    targets.add(t);
                }
            }
        }
    }

    /** Starts every name's first resolution; a cluster with none is initialized as it is. */
    synchronized void start() {
        boolean any = false;
        for (DnsTarget t : targets) {
            if (t.name != null) {
                any = true;
                schedule(t, 0);
            }
        }
        if (!any) {
            publish();
            cluster.markInitialized();
        }
    }

    /** The cluster went away: its timers stop and its lookups under way are abandoned, as Envoy's ~ResolveTarget. */
    synchronized void stop() {
        stopped = true;
        for (DnsTarget t : targets) {
            if (t.timer != null) {
                t.timer.cancel(false);
            }
            CompletableFuture<DnsAnswer> q = t.query;
            if (q != null) {
                q.cancel(false);
            }
        }
    }

    private synchronized void schedule(DnsTarget t, long delayMs) {
        if (stopped) {
            return;
        }
        try {
            t.timer = dns.schedule(() -> resolve(t), delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            stopped = true; // the cluster manager is closing
        }
    }

    /**
     * On the DNS thread: starts a lookup of the name unless one is under way. A name-server
     * resolver's lookup holds no thread while it waits (c-ares' asynchronous queries); getaddrinfo
     * queues for its resolver's threads, and only a test's blocking stand-in takes a lookup thread.
     */
    private void resolve(DnsTarget t) {
        if (stopped || t.query != null) {
            return;
        }
        stats.attempt.increment();
        ClusterConfig c = cluster.config();
        CompletableFuture<DnsAnswer> query;
        try {
            query = resolvers.forCluster(c).lookup(t.name.host(), c.dnsLookupFamily(), lookups);
        } catch (RejectedExecutionException closing) {
            stopped = true;
            return;
        }
        t.query = query;
        if (stopped) {
            query.cancel(false); // stop() ran meanwhile and found no lookup to cancel
            return;
        }
        query.whenComplete((answer, failure) -> {
            if (query.isCancelled()) {
                return; // its cluster went away
            }
            try {
                dns.execute(() -> finish(t, query, answer, failure));
            } catch (RejectedExecutionException closing) {
                // the cluster manager closed meanwhile: nothing waits for this answer
            }
        });
    }

    /** On the DNS thread: a name's answer (or failure) updates its hosts and times its next lookup. */
    private void finish(DnsTarget t, CompletableFuture<DnsAnswer> query, DnsAnswer answer, Throwable failure) {
        if (stopped || t.query != query) {
            return;
        }
        t.query = null;
        ClusterConfig c = cluster.config();
        boolean logical = c.type() == ClusterConfig.DiscoveryType.LOGICAL_DNS;
        long delay;
        try {
            // Envoy's logical host needs an address: an empty answer is a failure there, and for
            // STRICT_DNS a name without hosts.
            if (answer != null && !(logical && answer.addresses().isEmpty())) {
                stats.success.increment();
                List<ResolvedEndpoint> hosts = DnsRefresher.resolved(t.locality, t.endpoint, t.name,
                        answer.addresses(), logical);
                if (!hosts.equals(t.hosts)) {
                    t.hosts = hosts;
                    publish();
                } else {
                    stats.noRebuild.increment();
                }
                if (backoff != null) {
                    backoff.reset();
                }
                delay = afterSuccess(c, answer.addresses().isEmpty() ? null : answer.ttl(), rate.toMillis());
            } else {
                stats.failure.increment();
                LOG.log(Level.FINE, "cluster {0}: cannot resolve {1}: {2}", new Object[] {c.name(), t.name.host(),
                        failure == null ? "no address" : NameServerResolver.unknown(t.name.host(), failure).getMessage()});
                delay = backoff != null ? backoff.nextMillis() : rate.toMillis();
            }
            if (!published) {
                publish();
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "DNS refresh of cluster " + c.name() + " failed", e);
            delay = rate.toMillis();
        }
        cluster.markInitialized();
        schedule(t, delay);
    }

    /** The cluster's hosts: every name's, in config order. */
    private void publish() {
        List<ResolvedEndpoint> all = new ArrayList<>();
        for (DnsTarget t : targets) {
            if (t.hosts != null) {
                all.addAll(t.hosts);
            }
        }
        cluster.setEndpoints(all);
        published = true;
    }

    /**
     * The delay after a successful resolution: the answer's TTL with respect_dns_ttl (null or 0:
     * the rate, as Envoy's), else the rate; plus dns_jitter's random part.
     */
    static long afterSuccess(ClusterConfig c, Duration ttl, long rateMillis) {
        long delay = c.respectDnsTtl() && ttl != null && !ttl.isZero() ? ttl.toMillis() : rateMillis;
        Duration jitter = c.dnsJitter();
        if (jitter != null && jitter.toMillis() > 0) {
            // As Envoy's: only after a success, so that many proxies do not ask in step.
            delay += ThreadLocalRandom.current().nextLong(jitter.toMillis());
        }
        return delay;
    }
}
