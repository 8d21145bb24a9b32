package io.remora.upstream;

import io.remora.config.Address;
import io.remora.config.ClusterLoadAssignment.LbEndpoint;
import io.remora.config.ClusterLoadAssignment.LocalityLbEndpoints;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/**
 * One endpoint of a DNS cluster, Envoy's ResolveTarget: its name is resolved and timed on its own,
 * and only its own answers replace its hosts. An endpoint that names no host (a pipe) is a target
 * that is never resolved. State changes on the DNS thread only ({@code query} is also cancelled
 * when the cluster goes away).
 */
final class DnsTarget {
    final LocalityLbEndpoints locality;
    final LbEndpoint endpoint;
    /** The name and port to resolve; null: nothing to resolve. */
    final Address.Tcp name;
    /** Its hosts from its last successful resolution; null until it has some. */
    List<ResolvedEndpoint> hosts;
    /** Its lookup under way, else null: its timer starts none other, as Envoy's active_query_. */
    volatile CompletableFuture<DnsAnswer> query;
    ScheduledFuture<?> timer;

    DnsTarget(LocalityLbEndpoints locality, LbEndpoint endpoint, List<ResolvedEndpoint> previous) {
        this.locality = locality;
        this.endpoint = endpoint;
        this.name = endpoint.address() instanceof Address.Tcp tcp ? tcp : null;
        if (name == null) {
            hosts = List.of(DnsRefresher.configured(locality, endpoint));
        } else {
            // A new config of the cluster (another rate, another name beside it) keeps this name's
            // hosts until it resolves again, as a failed resolution would.
            List<ResolvedEndpoint> kept = new ArrayList<>();
            for (ResolvedEndpoint e : previous) {
                if (e.configured().equals(endpoint.address()) && e.priority() == locality.priority()
                        && e.locality().equals(locality.locality())) {
                    kept.add(e);
                }
            }
            hosts = kept.isEmpty() ? null : List.copyOf(kept);
        }
    }
}
