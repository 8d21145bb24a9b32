package io.remora.xds.ads;

import io.remora.util.JitteredBackOff;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Envoy's xDS client: one ADS stream to the control plane (state of the world or delta), LDS and CDS by
 * wildcard, RDS and EDS by the names the current listeners and clusters need, ACK/NACK of every response,
 * warming of new listeners and clusters, reconnection with back-off. It hands the {@link XdsConfigApplier}
 * only complete snapshots: a new or changed listener once its route configurations have arrived, an EDS cluster
 * once its load assignment has, or when initial_fetch_timeout runs out.
 *
 * <p>All state lives on one control thread; gRPC callbacks, file events and public calls hop onto it. What is
 * subscribed and ACKed on the stream is {@link AdsSubscriptions}; updates received and not yet applied are
 * {@link PendingUpdates}; this class decides when they are applied, ACKed or NACKed.
 */
public final class XdsClient implements AutoCloseable {
    private static final Logger log = Logger.getLogger(XdsClient.class.getName());
    static final String USER_AGENT = "remora";

    private final XdsClientOptions options;
    private final XdsConfigApplier applier;
    private final XdsStats stats;
    private final ScheduledExecutorService control;
    private final AdsStream stream;
    /** Secrets from api_config_source sds_configs, one stream per source (pilot-agent's sds-grpc). */
    private final SdsStreams sds;
    private final AdsSubscriptions subscriptions;
    private final List<FileConfigWatcher> fileWatchers = new ArrayList<>();
    /** Discovered filter configs from path_config_source files (ECDS). */
    private final EcdsFiles ecdsFiles;
    private final PendingUpdates pending = new PendingUpdates();
    /** Wildcard types still owed their first response: the first snapshot waits for them (server initialization). */
    private final Set<XdsResourceType> awaitingFirst = EnumSet.noneOf(XdsResourceType.class);

    private XdsSnapshot accepted = XdsSnapshot.EMPTY;
    private volatile XdsSnapshot current = XdsSnapshot.EMPTY;
    private final WarmingTimer warmingTimer;
    private boolean closed;
    /**
     * Initialization is over (Envoy's init manager is done): the first snapshot has been applied, or the first
     * responses were rejected or timed out. From now on RDS/EDS updates need not wait for warming.
     */
    private boolean initialized;
    /**
     * Per named type, the names whose fetch ended in a rejected response while they were missing: as Envoy marks a
     * subscription's init target ready when its update is rejected, nothing warms on them any more.
     */
    private final EnumMap<XdsResourceType, Set<String>> settled = new EnumMap<>(XdsResourceType.class);
    private boolean started;

    public XdsClient(XdsClientOptions options, XdsConfigApplier applier, MeterRegistry registry) {
        this.options = options;
        this.applier = applier;
        this.stats = new XdsStats(registry);
        this.control = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "remora-xds");
            t.setDaemon(true);
            return t;
        });
        this.warmingTimer = new WarmingTimer(control, this::onWarmingExpired);
        this.ecdsFiles = new EcdsFiles(options.typeRegistry(), this::onFileUpdate);
        Node node = withUserAgent(options.node());
        XdsProtocol protocol = options.delta() ? new DeltaProtocol(node, options.nodeOnFirstMessageOnly())
                : new SotwProtocol(node, options.nodeOnFirstMessageOnly());
        this.stream = options.target() == null ? null : new AdsStream(options.target(), protocol, control,
                new JitteredBackOff(options.backoffBaseMs(), options.backoffMaxMs()), stats::connected, new AdsStream.Listener() {
                    @Override
                    public void onStreamOpen() {
                        subscriptions.startAll(accepted);
                    }

                    @Override
                    public void onUpdate(XdsUpdate update) {
                        onAdsUpdate(update);
                    }

                    @Override
                    public void onStreamClosed() {
                        dropUnackedUpdates();
                    }
                });
        this.sds = new SdsStreams(node, control, options.sourceResolver(), options.backoffBaseMs(), options.backoffMaxMs(),
                new SdsStreams.Sink() {
                    @Override
                    public void onUpdate(ApiConfigSource source, XdsUpdate update) {
                        onSdsUpdate(source, update);
                    }

                    @Override
                    public void onStreamRestart(ApiConfigSource source) {
                        onSdsStreamRestart(source);
                    }
                });
        this.subscriptions = new AdsSubscriptions(stream, options.adsTypes(), options.delta(), sds);
    }

    /** As Envoy names itself "envoy" whatever the bootstrap says, Remora names itself "remora". */
    static Node withUserAgent(Node node) {
        String v = XdsClient.class.getPackage().getImplementationVersion();
        return node.toBuilder().setUserAgentName(USER_AGENT).setUserAgentVersion(v == null ? "dev" : v).build();
    }

    /** Connects (if a target is configured) and starts watching the files; returns at once. */
    public void start() {
        control.execute(() -> {
            started = true;
            awaitingFirst.addAll(options.adsTypes());
            awaitingFirst.addAll(options.fileSources().keySet());
            if (!awaitingFirst.isEmpty()) {
                warmingTimer.arm(options.initialFetchTimeout());
            }
            for (Map.Entry<XdsResourceType, java.nio.file.Path> e : options.fileSources().entrySet()) {
                FileConfigWatcher w = new FileConfigWatcher(e.getValue(), e.getKey(), options.typeRegistry(), this::onFileUpdate);
                fileWatchers.add(w);
                w.start();
            }
            if (stream != null) {
                stream.start();
            }
        });
    }

    /** The last snapshot the applier accepted. */
    public XdsSnapshot current() {
        return current;
    }

    public XdsStats stats() {
        return stats;
    }

    /**
     * Names to subscribe for a type beyond those the client derives itself (RDS from the listeners' HCMs, EDS
     * from the EDS clusters), e.g. SDS secrets. The subscription is the union; a change is sent at once.
     */
    public void updateSubscriptions(String typeUrl, Set<String> names) {
        XdsResourceType type = XdsResourceType.fromTypeUrl(typeUrl);
        if (type == null || type.wildcard) {
            throw new IllegalArgumentException("not a named xDS type: " + typeUrl);
        }
        Set<String> copy = Set.copyOf(names);
        // queued, so an applier may call this from apply(): it runs once that snapshot is settled
        control.execute(() -> {
            subscriptions.explicit(type, copy);
            evaluate(); // subscribes the new names and lets go of what is no longer asked for
        });
    }

    // ---- the stream -------------------------------------------------------------------------------------

    /** Responses not yet applied were never ACKed: the server sends them again on the new stream. */
    private void dropUnackedUpdates() {
        pending.dropUnackedAds();
        if (pending.isEmpty() && awaitingFirst.isEmpty()) {
            warmingTimer.cancel();
        }
        subscriptions.refresh(pending.over(accepted), accepted);
    }

    // ---- updates ----------------------------------------------------------------------------------------

    private void onAdsUpdate(XdsUpdate u) {
        if (u.type() == null) {
            log.warning("xDS: ignoring a response of an unsupported type: " + u.error());
            return;
        }
        subscriptions.responseReceived(u.type(), u.nonce());
        onUpdate(u, true);
    }

    void onFileUpdate(XdsUpdate u) {
        hop(() -> onUpdate(u, false));
    }

    /** A response on a separate SDS stream: merged into the secrets held, applied (and ACKed there) as any update. */
    private void onSdsUpdate(ApiConfigSource source, XdsUpdate u) {
        if (closed) {
            return;
        }
        stats.attempt(XdsResourceType.SECRET);
        if (u.type() != XdsResourceType.SECRET || u.error() != null) {
            stats.rejected(XdsResourceType.SECRET);
            String error = u.error() != null ? u.error() : "not a secret: " + u.type();
            log.warning("SDS: update rejected: " + error);
            sds.nack(source, List.of(u.nonce()), error);
            settle(XdsResourceType.SECRET, sds.names(source));
            evaluate();
            return;
        }
        pending.addSds(source, u, accepted, sds.names(source));
        evaluate();
    }

    /** A separate SDS stream (re)opened: what it sent before was never ACKed; ask again with what is held. */
    private void onSdsStreamRestart(ApiConfigSource source) {
        pending.forgetSdsSource(source);
        sds.startIfOpen(source, accepted.state(XdsResourceType.SECRET).resources());
    }

    /** Runs on the control thread; after close, callbacks still in flight are dropped. */
    private void hop(Runnable task) {
        try {
            control.execute(task);
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    private void onUpdate(XdsUpdate u, boolean ads) {
        if (closed) {
            return;
        }
        XdsResourceType type = u.type();
        stats.attempt(type);
        if (u.error() != null) {
            reject(type, List.of(u.nonce()), ads, u.error());
            evaluate();
            return;
        }
        // A file is the whole truth for its type (RTDS layers pick theirs); ECDS names come from one file each.
        pending.add(u, ads, accepted, ads ? subscriptions.names(type)
                : type == XdsResourceType.EXTENSION_CONFIG ? allNames(type) : u.resources().keySet());
        awaitingFirst.remove(type);
        evaluate();
    }

    private void evaluate() {
        subscriptions.refresh(pending.over(accepted), accepted);
        if (!closed) {
            ecdsFiles.refresh(pending.over(accepted), accepted);
        }
        XdsSnapshot candidate = pruneUnsubscribed(pending.over(accepted));
        if (pending.isEmpty()) {
            if (started && awaitingFirst.isEmpty()) {
                initializationDone();
            }
            return;
        }
        Warming.Verdict verdict = Warming.check(candidate, accepted, !awaitingFirst.isEmpty(), options.initialFetchTimeout(),
                (type, name) -> settled.getOrDefault(type, Set.of()).contains(name));
        if (!verdict.warming()) {
            applyPending(pending.types());
            return;
        }
        warmingTimer.arm(verdict.maxWait());
        if (initialized && awaitingFirst.isEmpty()) {
            // Once serving, RDS, EDS and SDS updates do not wait for listeners and clusters that are warming. (A
            // warming cluster's load assignment may so arrive first; nothing references it until the cluster does.)
            Set<XdsResourceType> ready = EnumSet.noneOf(XdsResourceType.class);
            for (XdsResourceType t : pending.types()) {
                if (!t.wildcard) {
                    ready.add(t);
                }
            }
            if (!ready.isEmpty()) {
                applyPending(ready);
            }
        }
    }

    /** The warming timer fired: what is pending is applied without what never came. */
    private void onWarmingExpired(Duration wait) {
        log.warning("xDS: initial_fetch_timeout (" + wait + ") expired; applying without "
                + (awaitingFirst.isEmpty() ? "the missing dependencies" : awaitingFirst));
        awaitingFirst.clear();
        if (!pending.isEmpty()) {
            applyPending(pending.types());
        } else {
            initializationDone(); // Envoy goes LIVE without the config that never came
        }
    }

    /** Applies the pending updates of {@code types} over the accepted snapshot; ACKs them or NACKs the culprit. */
    private void applyPending(Set<XdsResourceType> types) {
        if (types.containsAll(pending.types())) {
            warmingTimer.cancel();
            awaitingFirst.clear();
        }
        Map<XdsResourceType, PendingUpdates.Pending> applying = pending.take(types);
        XdsSnapshot snapshot = accepted;
        for (Map.Entry<XdsResourceType, PendingUpdates.Pending> e : applying.entrySet()) {
            snapshot = snapshot.with(e.getKey(), e.getValue().state());
        }
        if (!snapshot.sameContent(accepted)) {
            try {
                applier.apply(snapshot);
            } catch (XdsRejectedException e) {
                onRejected(applying, e.resourceName(), e.getMessage());
                return;
            } catch (RuntimeException e) {
                log.log(Level.SEVERE, "xDS applier failed", e);
                onRejected(applying, null, "internal error applying the update: " + e);
                return;
            }
        }
        XdsSnapshot previous = accepted;
        accepted = snapshot;
        initialized = true;
        current = snapshot;
        for (Map.Entry<XdsResourceType, PendingUpdates.Pending> e : applying.entrySet()) {
            XdsResourceType type = e.getKey();
            PendingUpdates.Pending p = e.getValue();
            if (p.ads() && !p.nonces().isEmpty()) {
                subscriptions.ack(type, snapshot.versionInfo(type), p.nonces());
            }
            p.sds().forEach((source, ack) -> sds.ack(source, ack.version(), ack.nonces()));
            if (!p.nonces().isEmpty() || !p.ads() || !p.sds().isEmpty()) {
                stats.success(type);
                XdsLog.accepted(type, p.state().resources().size(), snapshot.versionInfo(type));
            }
            stats.perResource(type, previous, snapshot, true);
        }
        // what the replaced listeners and clusters needed is no longer subscribed, nor held: that is applied too
        evaluate();
    }

    /**
     * NACKs the types holding the resource the applier named (all of them when it named none it knows) and
     * tries the other updates again without them, as Envoy rejects one type's update and keeps the others.
     */
    private void onRejected(Map<XdsResourceType, PendingUpdates.Pending> applying, String resourceName, String error) {
        log.warning("xDS update rejected: " + error);
        Set<XdsResourceType> blamed = EnumSet.noneOf(XdsResourceType.class);
        for (Map.Entry<XdsResourceType, PendingUpdates.Pending> e : applying.entrySet()) {
            if (resourceName != null && e.getValue().state().resources().containsKey(resourceName)) {
                blamed.add(e.getKey());
            }
        }
        if (blamed.isEmpty()) {
            blamed.addAll(applying.keySet());
        }
        for (XdsResourceType t : blamed) {
            PendingUpdates.Pending p = applying.remove(t);
            reject(t, p.nonces(), p.ads(), error);
            p.sds().forEach((source, ack) -> sds.nack(source, ack.nonces(), error));
            stats.perResource(t, accepted, accepted.with(t, p.state()), false);
        }
        pending.putBack(applying);
        // back to the subscriptions of what runs plus what is still pending; what was waited for is settled
        evaluate();
    }

    /**
     * Initialization ends without a snapshot to apply (the first responses were rejected, or never came before
     * initial_fetch_timeout): as Envoy, the server goes on with what it has rather than stay INITIALIZING.
     */
    private void initializationDone() {
        if (initialized) {
            return;
        }
        initialized = true;
        log.warning("xDS: initialization finished without an accepted update; serving the static configuration");
        applier.initialized();
    }

    /** A rejected response of a named type: what it should have brought is no longer waited for. */
    private void settle(XdsResourceType type, Set<String> subscribed) {
        // as Envoy's RTDS init target, a rejected first response ends the wait for it too
        awaitingFirst.remove(type);
        if (type.wildcard) {
            return;
        }
        Set<String> missing = new HashSet<>(subscribed);
        missing.removeAll(accepted.state(type).resources().keySet());
        if (!missing.isEmpty()) {
            settled.computeIfAbsent(type, t -> new HashSet<>()).addAll(missing);
        }
    }

    private void reject(XdsResourceType type, List<String> nonces, boolean ads, String error) {
        stats.rejected(type);
        if (type == XdsResourceType.EXTENSION_CONFIG) {
            stats.ecdsFailed(allNames(type), EcdsRefs.of(pending.over(accepted)));
        }
        settle(type, allNames(type));
        if (ads && !nonces.isEmpty()) {
            subscriptions.nack(type, accepted.versionInfo(type), nonces, error);
        } else if (!ads) {
            log.warning("xDS: " + type.shortName() + " file update rejected: " + error);
        }
    }

    // ---- subscriptions ----------------------------------------------------------------------------------

    /** Route configurations and load assignments nobody subscribes to any more leave the snapshot. */
    private XdsSnapshot pruneUnsubscribed(XdsSnapshot s) {
        for (XdsResourceType t : List.of(XdsResourceType.ROUTE, XdsResourceType.ENDPOINT, XdsResourceType.SECRET,
                XdsResourceType.EXTENSION_CONFIG)) {
            XdsSnapshot.TypeState st = s.state(t);
            Set<String> names = allNames(t);
            if (names.containsAll(st.resources().keySet())) {
                continue;
            }
            Map<String, XdsResource> kept = new LinkedHashMap<>(st.resources());
            kept.keySet().retainAll(names);
            XdsSnapshot.TypeState pruned = new XdsSnapshot.TypeState(st.versionInfo(), st.lastUpdated(), kept);
            pending.replaceState(t, pruned);
            s = s.with(t, pruned);
        }
        return s;
    }

    /** The names subscribed for a type on every source: ADS, SDS streams and, for ECDS, files. */
    private Set<String> allNames(XdsResourceType type) {
        if (type != XdsResourceType.EXTENSION_CONFIG) {
            return subscriptions.allNames(type);
        }
        Set<String> all = new HashSet<>(subscriptions.allNames(type));
        all.addAll(ecdsFiles.names());
        return all;
    }

    // ---- shutdown ---------------------------------------------------------------------------------------

    @Override
    public void close() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            control.execute(() -> {
                closed = true;
                warmingTimer.cancel();
                fileWatchers.forEach(FileConfigWatcher::close);
                ecdsFiles.close();
                if (stream != null) {
                    stream.close();
                }
                sds.close();
                done.complete(null);
            });
            done.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.log(Level.FINE, "xDS client close", e);
        } finally {
            control.shutdownNow();
            try {
                if (stream != null) {
                    stream.awaitTermination();
                }
                sds.awaitTermination();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
