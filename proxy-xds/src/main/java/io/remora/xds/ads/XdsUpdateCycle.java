package io.remora.xds.ads;

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
 * candidate; the server's wait for the first responses is {@link InitialFetches}'. {@link XdsClient} owns the streams and the thread and hands every event to this class on that thread.
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
    /** The server's wait for the first responses, and the timer over it and what warms. */
    private final InitialFetches init;
    /** VHDS, on-demand CDS and SRDS lookups waiting for their answer. */
    private final OnDemandLookups onDemand;

    private XdsSnapshot accepted = XdsSnapshot.EMPTY;
    private volatile XdsSnapshot current = XdsSnapshot.EMPTY;
    boolean closed;
    /** NACKs, and what rejections settle. */
    private final UpdateRejections rejections;
    /** The names subscribed on every source, and the pruning of what is no longer. */
    private final SubscribedNames subscribed;
    private final AheadOfWarming ahead = AheadOfWarming.create();
    private final ListenerErrorStates listenerErrors = new ListenerErrorStates();
    private final StartOrder startOrder;

    XdsUpdateCycle(XdsClientOptions options, XdsConfigApplier applier, XdsStats stats, AdsSubscriptions subscriptions,
                   ApiSourceStreams sources, EcdsFiles ecdsFiles, FileSubscriptions files, ScheduledExecutorService control,
                   StartOrder startOrder, java.util.function.Consumer<XdsResourceType> watchFile) {
        this.options = options;
        this.applier = applier;
        this.stats = stats;
        this.subscriptions = subscriptions;
        this.sources = sources;
        this.ecdsFiles = ecdsFiles;
        this.files = files;
        this.subscribed = new SubscribedNames(subscriptions, ecdsFiles, files);
        this.startOrder = startOrder;
        this.init = new InitialFetches(options, applier, stats, subscriptions, files, control, startOrder, watchFile);
        init.cycle(new InitialFetches.Cycle() {
            @Override
            public void evaluate() {
                XdsUpdateCycle.this.evaluate();
            }

            @Override
            public boolean applyAllPending() {
                if (pending.isEmpty()) {
                    return false;
                }
                applyPending(pending.types());
                return true;
            }

            @Override
            public Set<XdsResourceType> pendingTypes() {
                return pending.types();
            }

            @Override
            public XdsSnapshot acceptedSnapshot() {
                return accepted;
            }

            @Override
            public XdsSnapshot candidateSnapshot() {
                return pending.over(accepted);
            }
        });
        this.onDemand = new OnDemandLookups(new OnDemandVirtualHosts(subscriptions),
                new OnDemandClusters(subscriptions, control, options.clustersOnDemandOnly()), new OnDemandScopes());
        this.rejections = new UpdateRejections(stats, subscriptions, sources, pending, subscribed, onDemand.hosts(),
                init.awaitingFirst(), () -> accepted, listenerErrors);
    }

    ListenerErrorStates listenerErrors() {
        return listenerErrors;
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

    OnDemandLookups onDemand() {
        return onDemand;
    }

    /** An on_demand scope a request needs: applied loaded, which subscribes its route configuration. */
    void loadScope(io.envoyproxy.envoy.config.route.v3.ScopedRouteConfiguration c) {
        XdsSnapshot loaded = accepted.withLoadedScope(c);
        try {
            applier.apply(loaded);
        } catch (XdsRejectedException | RuntimeException e) {
            log.log(Level.WARNING, "SRDS: loading scope " + c.getName() + " failed", e);
            return;
        }
        accepted = loaded;
        current = loaded;
        stats.srdsScopes(loaded);
        evaluate();
        onDemand.scopes().applied(loaded);
    }

    /** The client starts: the first snapshot waits for the wildcard types and the files. */
    void start() {
        init.start();
    }

    void close() {
        closed = true;
        init.close();
        onDemand.close();
    }

    /** Responses not yet applied were never ACKed: the server sends them again on the new stream. */
    void dropUnackedUpdates() {
        pending.dropUnackedAds();
        onDemand.clusters().responsesDropped();
        if (pending.isEmpty()) {
            init.nothingPending();
        }
        subscriptions.refresh(pending.over(accepted), accepted);
    }

    /** The ADS stream ({@code key} null) or a separate one failed: {@link ConnectionFailures}. */
    void connectionFailed(ApiSourceKey key) {
        ConnectionFailures.count(key, options.adsTypes(), startOrder, subscriptions, sources, stats,
                pending.over(accepted));
    }

    // ---- updates ----------------------------------------------------------------------------------------

    void onAdsUpdate(XdsUpdate u) {
        if (u.type() == null) {
            log.warning("xDS: ignoring a response of an unsupported type: " + u.error());
            return;
        }
        if (!subscriptions.subscribedOnStream(u.type())) {
            log.warning("xDS: ignoring the message for type URL " + u.type().typeUrl + " as it has no current subscribers");
            return;
        }
        subscriptions.responseReceived(u);
        onDemand.received(u);
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
            if (type == XdsResourceType.ROUTE) {
                stats.rdsRejected(sources.names(key), pending.over(accepted));
            }
            log.warning(type.shortName() + ": update rejected: " + error);
            sources.nack(key, List.of(u.nonce()), error);
            rejections.settle(type, sources.names(key));
            evaluate();
            return;
        }
        onDemand.received(u);
        reachesItsSubscription(type);
        stats.delivered(type, u.resources().keySet(), u.versionInfo());
        pending.addFromSource(key, u, accepted, sources.names(key));
        init.received(type);
        evaluate();
        listenerErrors.end();
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
        if (error == null && !ads) {
            error = FileSubscriptions.notOneResource(u);
        }
        if (error != null) {
            rejections.reject(type, List.of(u.nonce()), ads, rejections.ackedVersion(type), error);
            evaluate();
            return;
        }
        reachesItsSubscription(type);
        stats.delivered(type, u.resources().keySet(), u.versionInfo());
        // A file is the whole truth for its type (RTDS layers pick theirs); ECDS names come from one file each.
        pending.add(u, ads, accepted, ads ? subscriptions.names(type)
                : type == XdsResourceType.EXTENSION_CONFIG ? allNames(type) : u.resources().keySet());
        init.received(type);
        evaluate();
        listenerErrors.end();
    }

    /** Envoy's LdsApiImpl begins a listener update: the error states of the last one go as it ends. */
    private void reachesItsSubscription(XdsResourceType type) {
        if (type == XdsResourceType.LISTENER) {
            listenerErrors.begin();
        }
    }

    /** An RDS or EDS file read: applied as any update for the names it passes ({@link FileSubscriptions#accept}). */
    void onFileSubscriptionUpdate(FileSubscriptions.Key key, XdsUpdate u) {
        Set<String> names = files.namesAt(key);
        if (closed || names.isEmpty()) {
            return; // nobody reads that file any more
        }
        Set<String> taken = FileSubscriptions.accept(key, names, u, stats, pending.over(accepted));
        if (!taken.isEmpty()) {
            stats.delivered(key.type(), taken, u.versionInfo());
            pending.addFromFile(u, accepted, taken);
        }
        if (taken.size() < names.size()) {
            // what runs stays; what waited for it no longer waits
            rejections.settled.rejected(key.type(), names.stream().filter(n -> !taken.contains(n)).collect(
                    java.util.stream.Collectors.toSet()), accepted);
        }
        init.received(key.type());
        evaluate();
    }

    void evaluate() {
        init.maybeRelease(pending.types());
        subscriptions.refresh(pending.over(accepted), accepted);
        List<EcdsRefs.Ref> filters = new java.util.ArrayList<>(EcdsRefs.of(pending.over(accepted)));
        filters.addAll(EcdsRefs.of(accepted));
        stats.subscribed(subscriptions.allNames(XdsResourceType.SECRET), filters);
        stats.rdsSubscribed(pending.over(accepted));
        stats.srdsSubscribed(pending.over(accepted));
        stats.edsSubscribed(pending.over(accepted));
        if (!closed) {
            ecdsFiles.refresh(pending.over(accepted), accepted);
            files.refresh(pending.over(accepted), accepted);
        }
        XdsSnapshot candidate = subscribed.prune(pending.over(accepted), pending);
        if (pending.isEmpty()) {
            applier.listenersWarming(Map.of(), candidate);
            init.idle();
            return;
        }
        // an LDS/CDS response naming a resource twice is NACKed before it applies, with what else of it fails
        Set<XdsResourceType> repeating = pending.repeatingUnanswered();
        if (!repeating.isEmpty() && WarmingAcks.acknowledge(repeating, pending, accepted, applier, subscriptions,
                sources, stats, rejections.aheadOfWarming())) {
            evaluate();
            return;
        }
        Warming.Verdict verdict = Warming.check(candidate, accepted, init.waiting(), options.initialFetchTimeout(),
                rejections.settled::contains);
        if (!verdict.warming()) {
            applier.listenersWarming(Map.of(), candidate);
            applyPending(pending.types());
            return;
        }
        if (WarmingAcks.acknowledge(pending, accepted, applier, subscriptions, sources, stats,
                rejections.aheadOfWarming())) {
            evaluate(); // without the rejected update
            return;
        }
        // taken as warming once checked, as Envoy's addOrUpdateListener takes them (a rejected one never warms)
        applier.listenersWarming(Warming.changedListeners(candidate, accepted), candidate);
        init.warming(verdict.maxWait());
        Set<XdsResourceType> named = AheadOfWarming.of(pending.types());
        if (!named.isEmpty()) {
            applyPending(named, true); // applied and ACKed at once, as Envoy's, while what needs them warms
        }
    }

    /** A snapshot of types gone ahead of what warms is being applied: it does not initialize the server. */
    boolean applyingAhead() {
        return ahead.applying();
    }

    /**
     * After the client started: with no RTDS or CDS to wait for, the next type's turn comes on the static clusters
     * alone, with no response to trigger the check.
     */
    void checkStartOrder() {
        init.maybeRelease(pending.types());
    }

    /** Applies the pending updates of {@code types} over the accepted snapshot; ACKs them or NACKs the culprit. */
    private void applyPending(Set<XdsResourceType> types) {
        applyPending(types, false);
    }

    /** @param goneAhead named types applied while the rest warms: that ends no wait ({@link AheadOfWarming}) */
    private void applyPending(Set<XdsResourceType> types, boolean goneAhead) {
        if (!goneAhead && types.containsAll(pending.types())) {
            init.allTaken();
        }
        Map<XdsResourceType, PendingUpdates.Pending> applying = pending.take(types);
        init.taking(pending.types());
        XdsSnapshot snapshot = accepted;
        for (Map.Entry<XdsResourceType, PendingUpdates.Pending> e : applying.entrySet()) {
            snapshot = snapshot.with(e.getKey(), e.getValue().state());
            if (e.getKey().wildcard && !accepted.state(e.getKey()).sameResources(e.getValue().state())) {
                snapshot = snapshot.withDumpVersion(e.getKey(), e.getValue().systemVersion());
            }
        }
        boolean unchanged = snapshot.sameContent(accepted);
        long start = System.nanoTime();
        if (!unchanged) {
            ahead.applying(goneAhead);
            try {
                applier.apply(snapshot);
            } catch (ResourcesRejected e) {
                if (rejections.canLeaveOut(e, applying)) {
                    pending.putBack(applying); // the other resources, and the other types, are applied without them
                    rejections.rejectPartly(e);
                    evaluate();
                } else {
                    onRejected(applying, e.resourceName(), e.getMessage());
                }
                return;
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
        init.applied(goneAhead, unchanged);
        current = snapshot;
        AppliedAcks.acknowledge(applying, previous, pending.over(snapshot), subscriptions, sources, stats,
                java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        onDemand.applied(applying.keySet(), snapshot);
        // what the replaced listeners and clusters needed is no longer subscribed, nor held: that is applied too
        evaluate();
    }

    /** The applier refused a snapshot: {@link UpdateRejections#rejectBlamed}, then the others are tried again. */
    private void onRejected(Map<XdsResourceType, PendingUpdates.Pending> applying, String resourceName, String error) {
        rejections.rejectBlamed(applying, resourceName, error);
        // back to the subscriptions of what runs plus what is still pending; what was waited for is settled
        evaluate();
    }

    /** The names subscribed for a type on every source: ADS, separate streams and, for ECDS, files. */
    private Set<String> allNames(XdsResourceType type) {
        return subscribed.of(type);
    }
}
