package io.remora.xds.ads;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Map;
import java.util.Objects;

/**
 * Envoy's xDS stats under their Prometheus names: {@code control_plane.*} ({@link ControlPlaneStats}),
 * {@code listener_manager.lds.*}, {@code cluster_manager.cds.*}, {@code http.<stat_prefix>.rds.<route_config>.*}
 * ({@link RdsSubscriptionStats}), {@code http.<stat_prefix>.scoped_rds.<name>.*} ({@link SrdsSubscriptionStats}) and {@code cluster.<name>.update_*} for EDS ({@link EdsSubscriptionStats}); ECDS's, VHDS's and SDS's in {@link DiscoveredConfigStats}. Updated on the control thread only.
 */
public final class XdsStats {
    public static final String CONNECTED_STATE = "envoy_control_plane_connected_state";

    private final MeterRegistry registry;
    private final ControlPlaneStats controlPlane;
    private final DiscoveredConfigStats discovered;
    private final RdsSubscriptionStats rds;
    private final SrdsSubscriptionStats srds;
    private final EdsSubscriptionStats eds;
    private final SubscriptionStats lds;
    private SubscriptionStats cds;

    public XdsStats(MeterRegistry registry) {
        this.registry = registry;
        this.controlPlane = new ControlPlaneStats(registry);
        this.discovered = new DiscoveredConfigStats(registry);
        this.rds = new RdsSubscriptionStats(registry);
        this.srds = new SrdsSubscriptionStats(registry);
        this.eds = new EdsSubscriptionStats(registry);
        lds = new SubscriptionStats(registry, "envoy_listener_manager_lds_");
        cds = new SubscriptionStats(registry, "envoy_cluster_manager_cds_");
    }

    /**
     * CDS is not subscribed by wildcard: the cluster responses answer on-demand CDS, whose subscription Envoy
     * counts under {@code cluster_manager.odcds.*}.
     */
    void clustersOnDemandOnly() {
        cds = new SubscriptionStats(registry, "envoy_cluster_manager_odcds_");
    }

    ControlPlaneStats controlPlane() {
        return controlPlane;
    }

    public boolean connected() {
        return controlPlane.connected();
    }

    void attempt(XdsResourceType type) {
        switch (type) {
            case LISTENER -> lds.attempt();
            case CLUSTER -> cds.attempt();
            case RUNTIME -> runtime().attempt();
            case SCOPED_ROUTE -> srds.attempt();
            default -> { }
        }
    }

    /**
     * The subscription's first response did not come within initial_fetch_timeout: {@code init_fetch_timeout}, and
     * an {@code update_attempt}, as GrpcSubscriptionImpl::onConfigUpdateFailed counts FetchTimedout.
     */
    void initFetchTimeout(XdsResourceType type) {
        switch (type) {
            case LISTENER -> lds.initFetchTimeout();
            case CLUSTER -> cds.initFetchTimeout();
            case RUNTIME -> runtime().initFetchTimeout();
            default -> { }
        }
        attempt(type);
    }

    /**
     * The stream carrying the subscription failed (closed, or never opened): {@code update_failure} and an
     * {@code update_attempt}, as GrpcSubscriptionImpl::onConfigUpdateFailed counts ConnectionFailure, which the mux's
     * onEstablishmentFailure reports to every subscription on the stream each time it closes.
     */
    void connectionFailure(XdsResourceType type) {
        switch (type) {
            case LISTENER -> lds.failure();
            case CLUSTER -> cds.failure();
            case RUNTIME -> runtime().failure();
            default -> { }
        }
        attempt(type);
    }

    /**
     * An update accepted: {@code update_success}, {@code version} set to the xxHash64 of its version_info (delta:
     * system_version_info), {@code version_text} to it and {@code update_time} to now, as GrpcSubscriptionImpl::onConfigUpdate sets them.
     */
    void success(XdsResourceType type, String versionInfo, long durationMs) {
        success(type, versionInfo, durationMs, null);
    }

    /** As above; {@code applied} is the snapshot the update made (SRDS counts its scopes). */
    void success(XdsResourceType type, String versionInfo, long durationMs, XdsSnapshot applied) {
        switch (type) {
            case LISTENER -> lds.success(versionInfo, durationMs);
            case CLUSTER -> cds.success(versionInfo, durationMs);
            case RUNTIME -> runtime().success(versionInfo, durationMs);
            case SCOPED_ROUTE -> srds.success(versionInfo, durationMs, applied);
            default -> { }
        }
    }

    void rejected(XdsResourceType type) {
        switch (type) {
            case LISTENER -> lds.rejected();
            case CLUSTER -> cds.rejected();
            case RUNTIME -> runtime().rejected();
            case SECRET -> discovered.sdsRejected();
            case SCOPED_ROUTE -> srds.rejected();
            default -> { }
        }
    }

    private SubscriptionStats runtime;

    /**
     * Envoy's RtdsSubscription makes its subscription in the {@code runtime.} scope, beside the loader's
     * {@code load_success}: every layer counts there. Made on first use, as a server without RTDS has none.
     */
    private SubscriptionStats runtime() {
        if (runtime == null) {
            runtime = new SubscriptionStats(registry, "envoy_runtime_");
        }
        return runtime;
    }

    /** The bootstrap's static EDS clusters by load assignment name, and the load assignments read from files. */
    void staticEds(Map<String, java.util.Set<String>> clustersByService, java.util.Set<String> readFromFiles) {
        eds.statics(clustersByService, readFromFiles);
    }

    /** The bootstrap's static listeners' HCMs loading routes from files: their RDS stats count as LDS ones' do. */
    void staticRds(java.util.List<XdsDependencies.RdsRef> refs) {
        rds.statics(refs);
    }

    /**
     * An RDS or EDS file refused for the names reading it: {@code update_rejected} when it was loaded and failed
     * the subscription's checks, {@code update_failure} when it could not be loaded, as Envoy's
     * FilesystemSubscriptionImpl counts them.
     */
    void fileUpdateFailed(XdsResourceType type, java.util.Set<String> names, XdsSnapshot s, boolean rejected) {
        fileStat(type, names, s, rejected ? "update_rejected" : "update_failure");
    }

    /** An RDS or EDS file without resources: {@code update_empty}, and nothing changes. */
    void fileUpdateEmpty(XdsResourceType type, java.util.Set<String> names, XdsSnapshot s) {
        fileStat(type, names, s, "update_empty");
    }

    /** {@code stat} of the RDS subscriptions ({@code http.<prefix>.rds.<name>.}) or EDS clusters loading {@code names}. */
    void fileStat(XdsResourceType type, java.util.Set<String> names, XdsSnapshot s, String stat) {
        for (String name : names) {
            if (type == XdsResourceType.ENDPOINT) {
                eds.failed(name, s, stat);
                continue;
            }
            rds.failed(name, s, stat);
        }
    }

    /**
     * RDS as {@link RdsSubscriptionStats#applied}; EDS per cluster: only the resources that changed; ECDS, VHDS and
     * SDS as {@link DiscoveredConfigStats}.
     */
    void perResource(XdsResourceType type, XdsSnapshot before, XdsSnapshot after, boolean success, long durationMs) {
        if (type == XdsResourceType.EXTENSION_CONFIG || type == XdsResourceType.VIRTUAL_HOST
                || type == XdsResourceType.SECRET) {
            discovered.perResource(type, before, after, success, durationMs);
            return;
        }
        if (type == XdsResourceType.ROUTE) {
            if (success) { // a rejection counts against every subscription on its stream: rdsRejected
                rds.applied(before.state(type).resources(), after, durationMs);
            }
            return;
        }
        if (type != XdsResourceType.ENDPOINT) {
            return;
        }
        if (success) {
            eds.applied(before.state(type).resources(), after);
            return;
        }
        java.util.Set<String> refused = new java.util.HashSet<>();
        for (Map.Entry<String, XdsResource> e : after.state(type).resources().entrySet()) {
            if (!Objects.equals(before.state(type).resources().get(e.getKey()), e.getValue())) {
                refused.add(e.getKey());
            }
        }
        eds.rejected(refused, after);
    }

    /** The RDS subscriptions of the static listeners reading files and of {@code s}'s listeners. */
    void rdsSubscribed(XdsSnapshot s) {
        rds.subscribed(s);
    }

    /** The SRDS subscriptions of {@code s}'s listeners: those new start. */
    void srdsSubscribed(XdsSnapshot s) {
        srds.subscribed(s);
    }

    /** Scopes were loaded on demand: {@code active_scopes}. */
    void srdsScopes(XdsSnapshot s) {
        srds.scopes(s);
    }

    /** The stream carrying SRDS failed. */
    void srdsConnectionFailure() {
        srds.failure();
    }

    /** The EDS clusters of the static resources and of {@code s}: those new start their subscriptions. */
    void edsSubscribed(XdsSnapshot s) {
        eds.subscribed(s);
    }

    /**
     * Route configurations or secrets a response or file brought, changed or not: each counts once applied, as
     * Envoy's mux hands each watch the resources of a response it finds its names in.
     */
    void delivered(XdsResourceType type, java.util.Collection<String> names, String versionInfo) {
        if (type == XdsResourceType.ROUTE) {
            rds.delivered(names, versionInfo);
        } else if (type == XdsResourceType.ENDPOINT) {
            eds.delivered(names, versionInfo);
        } else if (type == XdsResourceType.SECRET) {
            discovered.sdsDelivered(names, versionInfo);
        }
    }

    /** A rejected RDS response: every RDS subscription on the stream it came on counts it. */
    void rdsRejected(java.util.Set<String> names, XdsSnapshot s) {
        rds.rejected(names, s);
    }

    /** Per named type, what counted its initial fetch's timeout: a subscription's timer fires once. */
    private final Map<XdsResourceType, java.util.Set<String>> fetchesTimedOut = new java.util.EnumMap<>(XdsResourceType.class);

    /**
     * The wait for what warms ran out (the shortest initial_fetch_timeout of what it waits for): each RDS, SDS or ECDS
     * subscription over gRPC whose first response never came counts init_fetch_timeout and an update_attempt, as
     * GrpcSubscriptionImpl's timer does before the listener or cluster waiting for it goes on without it.
     */
    void namedFetchesTimedOut(AdsSubscriptions subscriptions, XdsSnapshot s) {
        if (subscriptions.allNames(XdsResourceType.SCOPED_ROUTE).contains(XdsResourceType.ALL)
                && !s.received(XdsResourceType.SCOPED_ROUTE) && fetchesTimedOut.computeIfAbsent(
                        XdsResourceType.SCOPED_ROUTE, k -> new java.util.HashSet<>()).add(XdsResourceType.ALL)) {
            srds.initFetchTimeout();
        }
        for (XdsResourceType t : java.util.List.of(XdsResourceType.ROUTE, XdsResourceType.SECRET,
                XdsResourceType.EXTENSION_CONFIG, XdsResourceType.ENDPOINT)) {
            java.util.Set<String> counted = fetchesTimedOut.computeIfAbsent(t, k -> new java.util.HashSet<>());
            for (String name : subscriptions.allNames(t)) {
                if (s.state(t).resources().containsKey(name) || !counted.add(name)) {
                    continue;
                }
                switch (t) {
                    case ROUTE -> rds.initFetchTimeout(name, s);
                    case SECRET -> discovered.sdsInitFetchTimeout(name);
                    case ENDPOINT -> eds.initFetchTimeout(name, s);
                    default -> discovered.ecdsInitFetchTimeout(name, EcdsRefs.of(s));
                }
            }
        }
    }

    /** The secrets and discovered filters subscribed now (see {@link DiscoveredConfigStats#subscribed}). */
    void subscribed(java.util.Set<String> secrets, java.util.Collection<EcdsRefs.Ref> filters) {
        discovered.subscribed(secrets, filters);
    }

    /** The stream carrying these secrets failed. */
    void sdsConnectionFailure(java.util.Set<String> names) {
        discovered.sdsConnectionFailure(names);
    }

    /** {@code config_fail}: a rejected ECDS response counts against every name subscribed. */
    void ecdsFailed(java.util.Set<String> names, java.util.List<EcdsRefs.Ref> refs) {
        discovered.ecdsFailed(names, refs);
    }

    /** The counter of one discovered filter's subscription; also used by the runtime for config_conflict. */
    public static Counter ecds(MeterRegistry registry, EcdsRefs.Kind kind, String name, String stat) {
        return DiscoveredConfigStats.ecds(registry, kind, name, stat);
    }

    public double ldsUpdateSuccess() {
        return lds.successCount();
    }

    public double ldsUpdateRejected() {
        return lds.rejectedCount();
    }

    public double cdsUpdateSuccess() {
        return cds.successCount();
    }

    public double cdsUpdateRejected() {
        return cds.rejectedCount();
    }
}
