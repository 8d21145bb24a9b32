package io.remora.xds.ads;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.remora.stats.TextReadout;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Envoy's xDS stats under their Prometheus names: {@code control_plane.connected_state},
 * {@code listener_manager.lds.*}, {@code cluster_manager.cds.*}, {@code http.<stat_prefix>.rds.<route_config>.*}
 * ({@link RdsSubscriptionStats}) and {@code cluster.<name>.update_*} for EDS ({@link EdsSubscriptionStats}); ECDS's, VHDS's and SDS's in {@link DiscoveredConfigStats}. Updated on the control thread only.
 */
public final class XdsStats {
    public static final String CONNECTED_STATE = "envoy_control_plane_connected_state";

    private final MeterRegistry registry;
    private final DiscoveredConfigStats discovered;
    private final RdsSubscriptionStats rds;
    private final EdsSubscriptionStats eds;
    private final AtomicInteger connectedState = new AtomicInteger();
    final Counter ldsUpdateAttempt;
    final Counter ldsUpdateSuccess;
    final Counter ldsUpdateRejected;
    final Counter ldsInitFetchTimeout;
    final Counter ldsUpdateFailure;
    Counter cdsUpdateAttempt;
    Counter cdsUpdateSuccess;
    Counter cdsUpdateRejected;
    Counter cdsInitFetchTimeout;
    Counter cdsUpdateFailure;
    /** {@code version}: xxHash64 of the version_info last accepted (0 before), unsigned. */
    private final java.util.concurrent.atomic.AtomicLong ldsVersion = new java.util.concurrent.atomic.AtomicLong();
    private java.util.concurrent.atomic.AtomicLong cdsVersion = new java.util.concurrent.atomic.AtomicLong();
    /** {@code update_time}: when the last update was accepted, in ms since the epoch (0 before). */
    private final java.util.concurrent.atomic.AtomicLong ldsUpdateTime = new java.util.concurrent.atomic.AtomicLong();
    private java.util.concurrent.atomic.AtomicLong cdsUpdateTime = new java.util.concurrent.atomic.AtomicLong();
    /** {@code version_text}: the version_info last accepted, a text readout. */
    private final TextReadout ldsVersionText;
    private TextReadout cdsVersionText;
    /** {@code control_plane.identifier}: what the last response said of the control plane. */
    private final TextReadout controlPlaneIdentifier;

    public XdsStats(MeterRegistry registry) {
        this.registry = registry;
        this.discovered = new DiscoveredConfigStats(registry);
        this.rds = new RdsSubscriptionStats(registry);
        this.eds = new EdsSubscriptionStats(registry);
        Gauge.builder(CONNECTED_STATE, connectedState, AtomicInteger::get).register(registry);
        controlPlaneIdentifier = TextReadout.register(registry, "envoy_control_plane_identifier", Tags.empty());
        ldsUpdateAttempt = registry.counter("envoy_listener_manager_lds_update_attempt");
        ldsUpdateSuccess = registry.counter("envoy_listener_manager_lds_update_success");
        ldsUpdateRejected = registry.counter("envoy_listener_manager_lds_update_rejected");
        ldsInitFetchTimeout = registry.counter("envoy_listener_manager_lds_init_fetch_timeout");
        ldsUpdateFailure = registry.counter("envoy_listener_manager_lds_update_failure");
        versionGauge("envoy_listener_manager_lds_version", ldsVersion);
        Gauge.builder("envoy_listener_manager_lds_update_time", ldsUpdateTime, AtomicLong::get).register(registry);
        ldsVersionText = TextReadout.register(registry, "envoy_listener_manager_lds_version_text", Tags.empty());
        cdsUpdateAttempt = registry.counter("envoy_cluster_manager_cds_update_attempt");
        cdsUpdateSuccess = registry.counter("envoy_cluster_manager_cds_update_success");
        cdsUpdateRejected = registry.counter("envoy_cluster_manager_cds_update_rejected");
        cdsInitFetchTimeout = registry.counter("envoy_cluster_manager_cds_init_fetch_timeout");
        cdsUpdateFailure = registry.counter("envoy_cluster_manager_cds_update_failure");
        versionGauge("envoy_cluster_manager_cds_version", cdsVersion);
        Gauge.builder("envoy_cluster_manager_cds_update_time", cdsUpdateTime, AtomicLong::get).register(registry);
        cdsVersionText = TextReadout.register(registry, "envoy_cluster_manager_cds_version_text", Tags.empty());
    }

    /**
     * Envoy's subscription {@code version} gauge, a uint64 it prints whole; a meter's value is a double here, so the
     * hash is exported to 53 bits: it still changes with the version_info.
     */
    private void versionGauge(String name, java.util.concurrent.atomic.AtomicLong hash) {
        Gauge.builder(name, hash, h -> Double.parseDouble(Long.toUnsignedString(h.get()))).register(registry);
    }

    /**
     * CDS is not subscribed by wildcard: the cluster responses answer on-demand CDS, whose subscription Envoy
     * counts under {@code cluster_manager.odcds.*}.
     */
    void clustersOnDemandOnly() {
        cdsUpdateAttempt = registry.counter("envoy_cluster_manager_odcds_update_attempt");
        cdsUpdateSuccess = registry.counter("envoy_cluster_manager_odcds_update_success");
        cdsUpdateRejected = registry.counter("envoy_cluster_manager_odcds_update_rejected");
        cdsInitFetchTimeout = registry.counter("envoy_cluster_manager_odcds_init_fetch_timeout");
        cdsUpdateFailure = registry.counter("envoy_cluster_manager_odcds_update_failure");
        cdsVersion = new java.util.concurrent.atomic.AtomicLong();
        versionGauge("envoy_cluster_manager_odcds_version", cdsVersion);
        cdsUpdateTime = new java.util.concurrent.atomic.AtomicLong();
        Gauge.builder("envoy_cluster_manager_odcds_update_time", cdsUpdateTime, AtomicLong::get).register(registry);
        cdsVersionText = TextReadout.register(registry, "envoy_cluster_manager_odcds_version_text", Tags.empty());
    }

    private DiscoveryRequestLimiter.Stats rateLimit;

    /**
     * {@code control_plane.rate_limit_enforced} and {@code control_plane.pending_requests} of the ADS stream,
     * registered when it is rate limited.
     */
    DiscoveryRequestLimiter.Stats rateLimit() {
        if (rateLimit == null) {
            Counter enforced = registry.counter("envoy_control_plane_rate_limit_enforced");
            AtomicInteger pending = registry.gauge("envoy_control_plane_pending_requests", new AtomicInteger());
            rateLimit = new DiscoveryRequestLimiter.Stats() {
                @Override
                public void enforced() {
                    enforced.increment();
                }

                @Override
                public void pending(int requests) {
                    pending.set(requests);
                }
            };
        }
        return rateLimit;
    }

    void connected(boolean up) {
        connectedState.set(up ? 1 : 0);
    }

    /** A response's {@code control_plane.identifier}, as GrpcMuxImpl sets its ControlPlaneStats' text readout. */
    void controlPlane(String identifier) {
        controlPlaneIdentifier.set(identifier);
    }

    /** LDS's and CDS's own streams: {@code listener_manager.lds.control_plane.connected_state} and CDS's. */
    private AtomicInteger ldsConnected;
    private AtomicInteger cdsConnected;

    /**
     * A separate stream's connection: Envoy's non-aggregated mux reports control_plane.* in its subscription's
     * scope. LDS and CDS have one stream each; RDS and EDS streams here carry many subscriptions (Envoy's
     * per route configuration and per cluster scopes), so they report none.
     */
    void sourceConnected(XdsResourceType type, boolean up) {
        if (type == XdsResourceType.LISTENER) {
            if (ldsConnected == null) {
                ldsConnected = registry.gauge("envoy_listener_manager_lds_control_plane_connected_state", new AtomicInteger());
            }
            ldsConnected.set(up ? 1 : 0);
        } else if (type == XdsResourceType.CLUSTER) {
            if (cdsConnected == null) {
                cdsConnected = registry.gauge("envoy_cluster_manager_cds_control_plane_connected_state", new AtomicInteger());
            }
            cdsConnected.set(up ? 1 : 0);
        }
    }

    public boolean connected() {
        return connectedState.get() == 1;
    }

    void attempt(XdsResourceType type) {
        switch (type) {
            case LISTENER -> ldsUpdateAttempt.increment();
            case CLUSTER -> cdsUpdateAttempt.increment();
            case RUNTIME -> runtime().attempt();
            default -> { }
        }
    }

    /**
     * The subscription's first response did not come within initial_fetch_timeout: {@code init_fetch_timeout}, and
     * an {@code update_attempt}, as GrpcSubscriptionImpl::onConfigUpdateFailed counts FetchTimedout.
     */
    void initFetchTimeout(XdsResourceType type) {
        switch (type) {
            case LISTENER -> ldsInitFetchTimeout.increment();
            case CLUSTER -> cdsInitFetchTimeout.increment();
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
            case LISTENER -> ldsUpdateFailure.increment();
            case CLUSTER -> cdsUpdateFailure.increment();
            case RUNTIME -> runtime().failure();
            default -> { }
        }
        attempt(type);
    }

    /**
     * An update accepted: {@code update_success}, {@code version} set to the xxHash64 of its version_info (delta:
     * system_version_info), {@code version_text} to it and {@code update_time} to now, as GrpcSubscriptionImpl::onConfigUpdate sets them.
     */
    void success(XdsResourceType type, String versionInfo) {
        switch (type) {
            case LISTENER -> {
                ldsUpdateSuccess.increment();
                ldsVersion.set(io.remora.upstream.lb.XxHash64.hash(versionInfo));
                ldsUpdateTime.set(System.currentTimeMillis());
                ldsVersionText.set(versionInfo);
            }
            case CLUSTER -> {
                cdsUpdateSuccess.increment();
                cdsVersion.set(io.remora.upstream.lb.XxHash64.hash(versionInfo));
                cdsUpdateTime.set(System.currentTimeMillis());
                cdsVersionText.set(versionInfo);
            }
            case RUNTIME -> runtime().success(versionInfo);
            default -> { }
        }
    }

    void rejected(XdsResourceType type) {
        switch (type) {
            case LISTENER -> ldsUpdateRejected.increment();
            case CLUSTER -> cdsUpdateRejected.increment();
            case RUNTIME -> runtime().rejected();
            case SECRET -> discovered.sdsRejected();
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
    void perResource(XdsResourceType type, XdsSnapshot before, XdsSnapshot after, boolean success) {
        if (type == XdsResourceType.EXTENSION_CONFIG || type == XdsResourceType.VIRTUAL_HOST
                || type == XdsResourceType.SECRET) {
            discovered.perResource(type, before, after, success);
            return;
        }
        if (type == XdsResourceType.ROUTE) {
            if (success) { // a rejection counts against every subscription on its stream: rdsRejected
                rds.applied(before.state(type).resources(), after);
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
        return ldsUpdateSuccess.count();
    }

    public double ldsUpdateRejected() {
        return ldsUpdateRejected.count();
    }

    public double cdsUpdateSuccess() {
        return cdsUpdateSuccess.count();
    }

    public double cdsUpdateRejected() {
        return cdsUpdateRejected.count();
    }
}
