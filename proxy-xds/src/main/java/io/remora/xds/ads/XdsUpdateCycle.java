package io.remora.xds.ads;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The xDS client's control-thread half: updates received (ADS, api_config_source streams, files) are merged into
 * {@link PendingUpdates}, held while what they bring warms, then applied over the accepted snapshot; each is
 * ACKed as soon as it is taken (named types applied ahead, CDS/LDS checked: {@link AheadOfWarming},
 * {@link WarmingAcks}), or NACKed naming the culprit ({@link UpdateRejections}); the subscriptions follow each
 * candidate. {@link XdsClient} owns the streams and the thread and hands every event to this class on that thread.
 */
final class XdsUpdateCycle {
    private static final Logger log = Logger.getLogger(XdsClient.class.getName());

    private final XdsClientOptions options;
    private final XdsConfigApplier applier;
    private final XdsStats stats;
    private final AdsSubscriptions subscriptions;
    /** The types (or names) fetched from an api_config_source of their own. */
    private final ApiSourceStreams sources;
    /** Discovered filter configs from path_config_source files (ECDS). */
    private final EcdsFiles ecdsFiles;
    /** Route configurations and load assignments from path_config_source files. */
    private final FileSubscriptions files;
    private final PendingUpdates pending = new PendingUpdates();
    /** Wildcard types still owed their first response: the first snapshot waits for them (server initialization). */
    private final Set<XdsResourceType> awaitingFirst = EnumSet.noneOf(XdsResourceType.class);
    private final WarmingTimer warmingTimer;
    /** VHDS lookups waiting for their answer. */
    private final OnDemandVirtualHosts onDemand;
    /** On-demand CDS lookups waiting for their cluster. */
    private final OnDemandClusters onDemandClusters;

    private XdsSnapshot accepted = XdsSnapshot.EMPTY;
    private volatile XdsSnapshot current = XdsSnapshot.EMPTY;
    boolean closed;
    /**
     * Initialization is over (Envoy's init manager is done): the first snapshot has been applied, or the first
     * responses were rejected or timed out. From now on RDS/EDS updates need not wait for warming.
     */
    private boolean initialized;
    /** NACKs, and what rejections settle. */
    private final UpdateRejections rejections;
    /** The names subscribed on every source, and the pruning of what is no longer. */
    private final SubscribedNames subscribed;
    private boolean started;
    /** CDS held until the runtime is ready, LDS until the cluster manager is initialized. */
    private final StartOrder startOrder;
    /** LDS's first response is still owed (held, or not in yet). */
    private final ListenerGate listenerGate;
    /** Starts watching a held type's file once it is released. */
    private final java.util.function.Consumer<XdsResourceType> watchFile;
    /** The server was told it is initialized, by a snapshot or by {@link XdsConfigApplier#initialized()}. */
    private boolean serverInitialized;
    private final AheadOfWarming ahead = AheadOfWarming.create();

    XdsUpdateCycle(XdsClientOptions options, XdsConfigApplier applier, XdsStats stats, AdsSubscriptions subscriptions,
                   ApiSourceStreams sources, EcdsFiles ecdsFiles, FileSubscriptions files, ScheduledExecutorService control,
                   StartOrder startOrder, java.util.function.Consumer<XdsResourceType> watchFile) {
        this.options = options;
        this.startOrder = startOrder;
        this.listenerGate = startOrder.listeners;
        this.watchFile = watchFile;
        this.applier = applier;
        this.stats = stats;
        this.subscriptions = subscriptions;
        this.sources = sources;
        this.ecdsFiles = ecdsFiles;
        this.files = files;
        this.subscribed = new SubscribedNames(subscriptions, ecdsFiles, files);
        this.warmingTimer = new WarmingTimer(control, this::onWarmingExpired);
        this.onDemand = new OnDemandVirtualHosts(subscriptions);
        this.onDemandClusters = new OnDemandClusters(subscriptions, control, options.clustersOnDemandOnly());
        this.rejections = new UpdateRejections(stats, subscriptions, sources, pending, subscribed, onDemand,
                awaitingFirst, () -> accepted);
    }

    XdsSnapshot accepted() {
        return accepted;
    }

    /**
     * What a new ADS stream announces: the accepted snapshot with the CDS/LDS updates ACKed ahead of their warming,
     * as Envoy's subscriptions hold their warming clusters' and listeners' version.
     */
    XdsSnapshot acknowledged() {
        return pending.ackedOver(accepted);
    }

    /** The last snapshot the applier accepted (any thread). */
    XdsSnapshot current() {
        return current;
    }

    OnDemandVirtualHosts onDemand() {
        return onDemand;
    }

    OnDemandClusters onDemandClusters() {
        return onDemandClusters;
    }

    /** The client starts: the first snapshot waits for the wildcard types and the files. */
    void start() {
        started = true;
        awaitingFirst.addAll(options.adsTypes());
        awaitingFirst.addAll(options.fileSources().keySet());
        options.apiSubscriptions().keySet().forEach(k -> awaitingFirst.add(k.type()));
        awaitingFirst.removeIf(startOrder::held); // asked for, and waited for, once released
        // a static EDS cluster reading a file initializes with the static ones (Envoy's primary clusters), and a
        // static listener waits for its RDS
        for (XdsResourceType t : List.of(XdsResourceType.ENDPOINT, XdsResourceType.ROUTE)) {
            if (files.anyStatic(t)) {
                awaitingFirst.add(t);
            }
        }
        if (!awaitingFirst.isEmpty()) {
            warmingTimer.arm(options.initialFetchTimeout());
        }
    }

    void close() {
        closed = true;
        warmingTimer.cancel();
        onDemand.close();
        onDemandClusters.close();
    }

    /** Responses not yet applied were never ACKed: the server sends them again on the new stream. */
    void dropUnackedUpdates() {
        pending.dropUnackedAds();
        onDemandClusters.responsesDropped();
        if (pending.isEmpty() && awaitingFirst.isEmpty()) {
            warmingTimer.cancel();
        }
        subscriptions.refresh(pending.over(accepted), accepted);
    }

    // ---- updates ----------------------------------------------------------------------------------------

    void onAdsUpdate(XdsUpdate u) {
        if (u.type() == null) {
            log.warning("xDS: ignoring a response of an unsupported type: " + u.error());
            return;
        }
        subscriptions.responseReceived(u.type(), u.nonce());
        if (u.type() == XdsResourceType.VIRTUAL_HOST) {
            onDemand.received(u.answered());
        }
        if (u.type() == XdsResourceType.CLUSTER) {
            onDemandClusters.removedBy(u.removed());
        }
        onUpdate(u, true);
    }

    /**
     * A response on a separate api_config_source stream: merged into what is held of its type, applied (and ACKed
     * there) as any update.
     */
    void onSourceUpdate(ApiSourceKey key, XdsUpdate u) {
        if (closed) {
            return;
        }
        XdsResourceType type = key.type();
        stats.attempt(type);
        String error = u.error() != null ? u.error() : u.type() != type ? "not a " + type.shortName() + " resource: "
                + u.type() : ConfigSourceRouting.unfetchable(u);
        if (error != null) {
            stats.rejected(type);
            log.warning(type.shortName() + ": update rejected: " + error);
            sources.nack(key, List.of(u.nonce()), error);
            rejections.settle(type, sources.names(key));
            evaluate();
            return;
        }
        if (type == XdsResourceType.CLUSTER) {
            onDemandClusters.removedBy(u.removed());
        }
        pending.addFromSource(key, u, accepted, sources.names(key));
        awaitingFirst.remove(type);
        evaluate();
    }

    /** A separate stream (re)opened: what it sent before was never ACKed; ask again with what is held. */
    void onSourceStreamRestart(ApiSourceKey key) {
        pending.forgetSource(key);
        sources.startIfOpen(key, accepted.state(key.type()).resources());
    }

    void onUpdate(XdsUpdate u, boolean ads) {
        if (closed) {
            return;
        }
        XdsResourceType type = u.type();
        stats.attempt(type);
        String error = u.error() != null ? u.error() : ConfigSourceRouting.unfetchable(u);
        if (error != null) {
            rejections.reject(type, List.of(u.nonce()), ads, rejections.ackedVersion(type), error);
            evaluate();
            return;
        }
        // A file is the whole truth for its type (RTDS layers pick theirs); ECDS names come from one file each.
        pending.add(u, ads, accepted, ads ? subscriptions.names(type)
                : type == XdsResourceType.EXTENSION_CONFIG ? allNames(type) : u.resources().keySet());
        awaitingFirst.remove(type);
        evaluate();
    }

    /** An RDS or EDS file read: applied as any update for the names it passes ({@link FileSubscriptions#accept}). */
    void onFileSubscriptionUpdate(FileSubscriptions.Key key, XdsUpdate u) {
        Set<String> names = files.namesAt(key);
        if (closed || names.isEmpty()) {
            return; // nobody reads that file any more
        }
        Set<String> taken = FileSubscriptions.accept(key, names, u, stats, pending.over(accepted));
        if (!taken.isEmpty()) {
            pending.addFromFile(u, accepted, taken);
        }
        if (taken.size() < names.size()) {
            // what runs stays; what waited for it no longer waits
            rejections.settled.rejected(key.type(), names.stream().filter(n -> !taken.contains(n)).collect(
                    java.util.stream.Collectors.toSet()), accepted);
        }
        awaitingFirst.remove(key.type());
        evaluate();
    }

    void evaluate() {
        maybeRelease();
        subscriptions.refresh(pending.over(accepted), accepted);
        if (!closed) {
            ecdsFiles.refresh(pending.over(accepted), accepted);
            files.refresh(pending.over(accepted), accepted);
        }
        XdsSnapshot candidate = subscribed.prune(pending.over(accepted), pending);
        if (pending.isEmpty()) {
            if (started && awaitingFirst.isEmpty()) {
                initializationDone();
            }
            return;
        }
        Warming.Verdict verdict = Warming.check(candidate, accepted, !awaitingFirst.isEmpty(), options.initialFetchTimeout(),
                rejections.settled::contains);
        if (!verdict.warming()) {
            applyPending(pending.types());
            return;
        }
        if (WarmingAcks.acknowledge(pending, accepted, applier, subscriptions, sources, stats, this::rejectChecked)) {
            evaluate(); // without the rejected update
            return;
        }
        warmingTimer.arm(verdict.maxWait());
        Set<XdsResourceType> named = AheadOfWarming.of(pending.types());
        if (!named.isEmpty()) {
            applyPending(named, true); // applied and ACKed at once, as Envoy's, while what needs them warms
        }
    }

    /** A snapshot of types gone ahead of what warms is being applied: it does not initialize the server. */
    boolean applyingAhead() {
        return ahead.applying();
    }

    /** The warming timer fired: what is pending is applied without what never came. */
    private void onWarmingExpired(Duration wait) {
        log.warning("xDS: initial_fetch_timeout (" + wait + ") expired; applying without "
                + (awaitingFirst.isEmpty() ? "the missing dependencies" : awaitingFirst));
        awaitingFirst.clear();
        maybeRelease();
        if (!pending.isEmpty()) {
            applyPending(pending.types());
        } else {
            initializationDone(); // Envoy goes LIVE without the config that never came
        }
    }

    /**
     * After the client started: with no RTDS or CDS to wait for, the next type's turn comes on the static clusters
     * alone, with no response to trigger the check.
     */
    void checkStartOrder() {
        maybeRelease();
    }

    /**
     * Whose turn has come: RTDS once the static clusters are initialized, CDS once RTDS's first response is done
     * with, LDS once the clusters are initialized.
     */
    private void maybeRelease() {
        if (started && !closed) {
            startOrder.check(awaitingFirst, pending.types(), type -> {
                if (!closed) {
                    released(type);
                }
            });
        }
    }

    /** A held type's turn: subscribed now, and the server waits for its first response. */
    private void released(XdsResourceType type) {
        log.info(switch (type) {
            case RUNTIME -> "xDS: static clusters initialized; starting RTDS";
            case ENDPOINT -> "xDS: runtime ready; initializing the static EDS clusters";
            case CLUSTER -> "xDS: secondary clusters initialized; starting CDS";
            default -> "xDS: clusters initialized; starting LDS";
        });
        awaitingFirst.add(type);
        warmingTimer.arm(options.initialFetchTimeout());
        watchFile.accept(type);
        subscriptions.startReleased(type, accepted);
        evaluate();
    }

    /** Applies the pending updates of {@code types} over the accepted snapshot; ACKs them or NACKs the culprit. */
    private void applyPending(Set<XdsResourceType> types) {
        applyPending(types, false);
    }

    /** @param goneAhead named types applied while the rest warms: that ends no wait ({@link AheadOfWarming}) */
    private void applyPending(Set<XdsResourceType> types, boolean goneAhead) {
        if (!goneAhead && types.containsAll(pending.types())) {
            warmingTimer.cancel();
            awaitingFirst.clear();
        }
        Map<XdsResourceType, PendingUpdates.Pending> applying = pending.take(types);
        listenerGate.settle(awaitingFirst, pending.types()); // LDS's first snapshot ends the server's wait
        XdsSnapshot snapshot = accepted;
        for (Map.Entry<XdsResourceType, PendingUpdates.Pending> e : applying.entrySet()) {
            snapshot = snapshot.with(e.getKey(), e.getValue().state());
        }
        boolean unchanged = snapshot.sameContent(accepted);
        if (!unchanged) {
            ahead.applying(goneAhead);
            try {
                applier.apply(snapshot);
            } catch (XdsRejectedException e) {
                onRejected(applying, e.resourceName(), e.getMessage());
                return;
            } catch (RuntimeException e) {
                log.log(Level.SEVERE, "xDS applier failed", e);
                onRejected(applying, null, "internal error applying the update: " + e);
                return;
            } finally {
                ahead.applying(false);
            }
        }
        XdsSnapshot previous = accepted;
        accepted = snapshot;
        initialized |= !goneAhead;
        if (!goneAhead && !startOrder.initializing() && !serverInitialized) {
            serverInitialized = true;
            if (unchanged) {
                applier.initialized(); // LDS's first answer added nothing to apply: the wait is over all the same
            }
        }
        current = snapshot;
        AppliedAcks.acknowledge(applying, previous, pending.over(snapshot), subscriptions, sources, stats);
        if (applying.containsKey(XdsResourceType.VIRTUAL_HOST)) {
            onDemand.settled(); // the route tables now hold what VHDS answered
        }
        if (applying.containsKey(XdsResourceType.CLUSTER)) {
            onDemandClusters.applied(snapshot);
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
            rejections.rejectTaken(t, applying.remove(t), error);
        }
        pending.putBack(applying);
        // back to the subscriptions of what runs plus what is still pending; what was waited for is settled
        evaluate();
    }

    /** A CDS or LDS response failed its check ahead of warming ({@link WarmingAcks}). */
    private void rejectChecked(XdsResourceType type, String error) {
        log.warning("xDS update rejected: " + error);
        rejections.rejectTaken(type, pending.take(Set.of(type)).get(type), error);
    }

    /**
     * Initialization ends without a snapshot to apply (the first responses were rejected, or never came before
     * initial_fetch_timeout): as Envoy, the server goes on with what it has rather than stay INITIALIZING.
     */
    private void initializationDone() {
        if (serverInitialized || startOrder.initializing()) {
            return;
        }
        serverInitialized = true;
        if (!initialized) {
            initialized = true;
            log.warning("xDS: initialization finished without an accepted update; serving the static configuration");
        }
        applier.initialized();
    }

    /** The names subscribed for a type on every source: ADS, separate streams and, for ECDS, files. */
    private Set<String> allNames(XdsResourceType type) {
        return subscribed.of(type);
    }
}
