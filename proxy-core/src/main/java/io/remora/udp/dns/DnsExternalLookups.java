package io.remora.udp.dns;

import io.netty.channel.EventLoop;
import io.remora.config.ClusterConfig.DnsLookupFamily;
import io.remora.config.DnsFilterConfig;
import io.remora.upstream.ClusterManager;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * One socket's lookups of names the table does not answer, as Envoy's DnsFilterResolver: A asks
 * for IPv4, AAAA for IPv6, other types are answered at once without records; with more than
 * {@code max_pending_lookups} under way a query is answered at once without records too. A lookup
 * runs on the resolver's threads and comes back to the socket's event loop; one that outlasts
 * {@code resolver_timeout} is tried again while the table's {@code external_retry_count} allows,
 * then answered without records. A failed lookup is not retried.
 */
final class DnsExternalLookups {
    private final DnsFilterConfig.Client client;
    private final ClusterManager clusters;
    private final EventLoop loop;
    private final BiConsumer<DnsQuery, List<InetAddress>> done;
    private int pending;
    private boolean closed;

    /** @param done called on the loop with the query and the addresses found (empty: none) */
    DnsExternalLookups(DnsFilterConfig.Client client, ClusterManager clusters, EventLoop loop,
                       BiConsumer<DnsQuery, List<InetAddress>> done) {
        this.client = client;
        this.clusters = clusters;
        this.loop = loop;
        this.done = done;
    }

    void resolve(DnsQuery q) {
        DnsLookupFamily family = q.type == DnsWire.TYPE_A ? DnsLookupFamily.V4_ONLY
                : q.type == DnsWire.TYPE_AAAA ? DnsLookupFamily.V6_ONLY : null;
        if (family == null || pending > client.maxPendingLookups()) {
            done.accept(q, List.of());
            return;
        }
        pending++;
        q.pending = true;
        int attempt = ++q.attempt;
        q.timeout = loop.schedule(() -> timedOut(q, attempt), client.timeout().toNanos(), TimeUnit.NANOSECONDS);
        clusters.lookup(client.resolver(), q.name, family).whenComplete((answer, failure) -> {
            List<InetAddress> found = answer == null ? List.of() : answer.addresses();
            loop.execute(() -> resolved(q, attempt, found));
        });
    }

    private void resolved(DnsQuery q, int attempt, List<InetAddress> found) {
        if (!q.pending || q.attempt != attempt || closed) {
            return; // timed out already: that attempt was answered or retried
        }
        finish(q);
        done.accept(q, found);
    }

    private void timedOut(DnsQuery q, int attempt) {
        if (!q.pending || q.attempt != attempt || closed) {
            return;
        }
        finish(q);
        if (q.retriesLeft > 0) {
            q.retriesLeft--;
            resolve(q);
        } else {
            done.accept(q, List.of());
        }
    }

    private void finish(DnsQuery q) {
        q.pending = false;
        pending--;
        q.timeout.cancel(false);
    }

    /** The socket closed: lookups still under way are not answered. */
    void close() {
        closed = true;
    }
}
