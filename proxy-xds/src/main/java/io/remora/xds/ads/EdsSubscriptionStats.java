package io.remora.xds.ads;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.remora.stats.ClusterConfigUpdateStats;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Each EDS cluster's subscription stats in the cluster's scope ({@code cluster.<name>.}), as Envoy's EdsClusterImpl
 * makes its subscription there: the SubscriptionStats {@code update_attempt}, {@code update_success},
 * {@code update_rejected}, {@code update_failure}, {@code init_fetch_timeout}, {@code version}, {@code update_time},
 * of which the counters Envoy's ClusterConfigUpdateStats also names are the cluster's own
 * ({@link ClusterConfigUpdateStats}), and EdsClusterImpl's {@code update_empty} and {@code update_no_rebuild}.
 * Control thread only.
 */
final class EdsSubscriptionStats {
    private final MeterRegistry registry;
    /** The bootstrap's static EDS clusters by load assignment name, and the load assignments read from files. */
    private volatile Map<String, Set<String>> statics = Map.of();
    private volatile Set<String> staticFiles = Set.of();
    private final Map<String, Own> own = new HashMap<>();
    private Set<String> started = Set.of();
    /** The load assignments responses or files brought since the last apply, changed or not, with their version_info. */
    private final Map<String, String> delivered = new HashMap<>();

    /** What only the subscription makes (the counters Envoy's cluster stats share are the cluster's). */
    private static final class Own {
        final Counter updateRejected;
        final Counter initFetchTimeout;
        final AtomicLong updateTime = new AtomicLong();

        Own(MeterRegistry r, Tags tags) {
            updateRejected = r.counter("envoy_cluster_update_rejected", tags);
            initFetchTimeout = r.counter("envoy_cluster_init_fetch_timeout", tags);
            Gauge.builder("envoy_cluster_update_time", updateTime, AtomicLong::get).tags(tags).register(r);
        }
    }

    EdsSubscriptionStats(MeterRegistry registry) {
        this.registry = registry;
    }

    void statics(Map<String, Set<String>> clustersByService, Set<String> readFromFiles) {
        statics = Map.copyOf(clustersByService);
        staticFiles = Set.copyOf(readFromFiles);
    }

    /** An EDS cluster, by the name its stats are under (alt_stat_name, else its name; ':' as '_'). */
    private record Ref(String statName, io.envoyproxy.envoy.config.core.v3.ConfigSource source, boolean file) {
    }

    /** The clusters (CDS's and the static ones) by the load assignment they load, in one pass over the snapshot. */
    private Map<String, List<Ref>> refs(XdsSnapshot s) {
        Map<String, List<Ref>> out = new HashMap<>();
        statics.forEach((service, clusters) -> clusters.forEach(c -> out.computeIfAbsent(service, k -> new ArrayList<>())
                .add(new Ref(c.replace(':', '_'), null, staticFiles.contains(service)))));
        for (Cluster c : s.clusters().values()) {
            String service = XdsDependencies.edsServiceName(c);
            if (service != null) {
                var cs = XdsDependencies.edsConfig(c);
                out.computeIfAbsent(service, k -> new ArrayList<>()).add(new Ref(statName(c), cs,
                        SdsFileRefs.file(cs) != null));
            }
        }
        return out;
    }

    private static String statName(Cluster c) {
        return (c.getAltStatName().isEmpty() ? c.getName() : c.getAltStatName()).replace(':', '_');
    }

    private ClusterConfigUpdateStats cluster(Ref ref) {
        return ClusterConfigUpdateStats.of(registry, ref.statName());
    }

    private Own own(Ref ref) {
        return own.computeIfAbsent(ref.statName(), n -> new Own(registry, Tags.of(
                io.remora.stats.ClusterStats.TAG, n)));
    }

    /**
     * The EDS clusters now. One newly subscribed starts its subscription: a gRPC one counts an update_attempt
     * (GrpcSubscriptionImpl::start); a file's counts as it is read (FilesystemSubscriptionImpl::refresh). A CDS
     * cluster's {@code warming_state} is 1 while its load assignment has not come.
     */
    void subscribed(XdsSnapshot s) {
        Map<String, XdsResource> assignments = s.state(XdsResourceType.ENDPOINT).resources();
        long warming = 0;
        for (Cluster c : s.clusters().values()) {
            String service = XdsDependencies.edsServiceName(c);
            if (service != null) {
                // a CDS cluster warms until its load assignment comes (ClusterManagerImpl's warming_state)
                boolean warms = !assignments.containsKey(service);
                ClusterConfigUpdateStats.of(registry, statName(c)).warmingState.set(warms ? 1 : 0);
                warming += warms ? 1 : 0;
            }
        }
        io.remora.stats.ClusterManagerStats.of(registry).warming(warming);
        Set<String> now = new HashSet<>();
        for (List<Ref> refs : refs(s).values()) {
            for (Ref ref : refs) {
                if (now.add(ref.statName()) && !started.contains(ref.statName())) {
                    own(ref);
                    if (!ref.file()) {
                        cluster(ref).updateAttempt.increment();
                    }
                }
            }
        }
        started = Set.copyOf(now);
    }

    void delivered(java.util.Collection<String> names, String versionInfo) {
        names.forEach(n -> delivered.put(n, versionInfo));
    }

    /**
     * An update applied: each cluster a response (or file) reached with its load assignment counts update_attempt
     * and update_success and takes the version, as GrpcSubscriptionImpl::onConfigUpdate for every watch the mux finds
     * its resource in; one whose hosts, locality weights, overprovisioning factor and weighted priority health stay
     * as they were also counts update_no_rebuild, as EdsClusterImpl's batchUpdate when no priority was rebuilt.
     */
    void applied(Map<String, XdsResource> before, XdsSnapshot snapshot) {
        Map<String, XdsResource> after = snapshot.state(XdsResourceType.ENDPOINT).resources();
        Set<String> names = new HashSet<>(delivered.keySet());
        for (Map.Entry<String, XdsResource> e : after.entrySet()) {
            if (!java.util.Objects.equals(before.get(e.getKey()), e.getValue())) {
                names.add(e.getKey());
            }
        }
        Map<String, List<Ref>> refs = refs(snapshot);
        for (String name : names) {
            XdsResource now = after.get(name);
            if (now == null) {
                continue;
            }
            XdsResource was = before.get(name);
            boolean rebuilt = was == null || !hostsOf(was).equals(hostsOf(now));
            for (Ref ref : refs.getOrDefault(name, List.of())) {
                ClusterConfigUpdateStats c = cluster(ref);
                c.updateAttempt.increment();
                c.updateSuccess.increment();
                c.version.set(io.remora.upstream.lb.XxHash64.hash(delivered.getOrDefault(name, now.version())));
                own(ref).updateTime.set(System.currentTimeMillis());
                if (!rebuilt) {
                    c.updateNoRebuild.increment();
                }
            }
        }
        delivered.clear();
    }

    /** What of a load assignment makes Envoy rebuild the host sets: all but its name, drops and staleness deadline. */
    private static Object hostsOf(XdsResource r) {
        if (!(r.resource() instanceof ClusterLoadAssignment cla)) {
            return r.resource();
        }
        ClusterLoadAssignment.Policy p = cla.getPolicy();
        ClusterLoadAssignment.Policy.Builder kept = ClusterLoadAssignment.Policy.newBuilder()
                .setWeightedPriorityHealth(p.getWeightedPriorityHealth());
        if (p.hasOverprovisioningFactor()) {
            kept.setOverprovisioningFactor(p.getOverprovisioningFactor());
        }
        return cla.toBuilder().clearClusterName().setPolicy(kept).build();
    }

    /** Load assignments a response brought and the applier refused: update_rejected and an update_attempt. */
    void rejected(Set<String> names, XdsSnapshot snapshot) {
        delivered.clear();
        Map<String, List<Ref>> refs = refs(snapshot);
        for (String name : names) {
            for (Ref ref : refs.getOrDefault(name, List.of())) {
                cluster(ref).updateAttempt.increment();
                own(ref).updateRejected.increment();
            }
        }
    }

    /**
     * A file refused, unreadable or empty, or the stream failing ({@code stat}: update_rejected, update_failure or
     * update_empty): each with an update_attempt, as FilesystemSubscriptionImpl::refresh and
     * GrpcSubscriptionImpl::onConfigUpdateFailed count one; an empty file is an update the cluster took
     * (EdsClusterImpl's update_empty), so a success too.
     */
    void failed(String name, XdsSnapshot snapshot, String stat) {
        for (Ref ref : refs(snapshot).getOrDefault(name, List.of())) {
            ClusterConfigUpdateStats c = cluster(ref);
            c.updateAttempt.increment();
            switch (stat) {
                case "update_rejected" -> own(ref).updateRejected.increment();
                case "update_failure" -> c.updateFailure.increment();
                case "update_empty" -> {
                    c.updateEmpty.increment();
                    c.updateSuccess.increment();
                }
                default -> throw new IllegalArgumentException(stat);
            }
        }
    }

    /** The load assignment's first response did not come within initial_fetch_timeout (0s: no timer). */
    void initFetchTimeout(String name, XdsSnapshot snapshot) {
        for (Ref ref : refs(snapshot).getOrDefault(name, List.of())) {
            if (ref.source() != null && XdsDependencies.initialFetchTimeout(ref.source(), Duration.ZERO) != null) {
                own(ref).initFetchTimeout.increment();
                cluster(ref).updateAttempt.increment();
            }
        }
    }
}
