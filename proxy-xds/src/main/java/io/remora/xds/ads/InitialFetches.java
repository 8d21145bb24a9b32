package io.remora.xds.ads;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * The server's wait for the first xDS responses, {@link XdsUpdateCycle}'s init half, as Envoy's init manager: the
 * types still owed their first response, the {@code initial_fetch_timeout} timer over them and what warms, the start
 * order that releases RTDS, EDS, CDS and LDS in turn ({@link StartOrder}), and whether initialization is over. Control
 * thread only.
 */
final class InitialFetches {
    private static final Logger log = Logger.getLogger(XdsClient.class.getName());

    /** What the cycle does when the wait changes. */
    interface Cycle {
        /** A type was released or a wait ended: the pending updates are looked at again. */
        void evaluate();

        /** The timer fired: what is pending is applied without what never came; false if nothing was pending. */
        boolean applyAllPending();

        Set<XdsResourceType> pendingTypes();

        XdsSnapshot acceptedSnapshot();

        /** What is accepted with what is pending over it. */
        XdsSnapshot candidateSnapshot();
    }

    private final XdsClientOptions options;
    private final XdsConfigApplier applier;
    private final XdsStats stats;
    private final AdsSubscriptions subscriptions;
    private final FileSubscriptions files;
    private final StartOrder startOrder;
    /** LDS's first response is still owed (held, or not in yet). */
    private final ListenerGate listenerGate;
    /** Starts watching a held type's file once it is released. */
    private final Consumer<XdsResourceType> watchFile;
    private final WarmingTimer warmingTimer;
    private Cycle cycle;
    /** Wildcard types still owed their first response: the first snapshot waits for them (server initialization). */
    private final Set<XdsResourceType> awaitingFirst = EnumSet.noneOf(XdsResourceType.class);
    private boolean started;
    private boolean closed;
    /**
     * Initialization is over (Envoy's init manager is done): the first snapshot has been applied, or the first
     * responses were rejected or timed out. From now on RDS/EDS updates need not wait for warming.
     */
    private boolean initialized;
    /** The server was told it is initialized, by a snapshot or by {@link XdsConfigApplier#initialized()}. */
    private boolean serverInitialized;

    InitialFetches(XdsClientOptions options, XdsConfigApplier applier, XdsStats stats, AdsSubscriptions subscriptions,
                   FileSubscriptions files, ScheduledExecutorService control, StartOrder startOrder,
                   Consumer<XdsResourceType> watchFile) {
        this.options = options;
        this.applier = applier;
        this.stats = stats;
        this.subscriptions = subscriptions;
        this.files = files;
        this.startOrder = startOrder;
        this.listenerGate = startOrder.listeners;
        this.watchFile = watchFile;
        this.warmingTimer = new WarmingTimer(control, this::onWarmingExpired);
    }

    /** Set once, by the cycle that owns this wait. */
    void cycle(Cycle c) {
        this.cycle = c;
    }

    /** The types still owed their first response (the set itself: rejections end waits in it). */
    Set<XdsResourceType> awaitingFirst() {
        return awaitingFirst;
    }

    boolean waiting() {
        return !awaitingFirst.isEmpty();
    }

    /** The client starts: the first snapshot waits for the wildcard types and the files. */
    void start() {
        started = true;
        awaitingFirst.addAll(options.adsTypes());
        awaitingFirst.addAll(options.fileSources().keySet());
        options.apiSubscriptions().keySet().forEach(k -> awaitingFirst.add(k.type()));
        awaitingFirst.removeIf(startOrder::held); // asked for, and waited for, once released
        for (XdsResourceType t : awaitingFirst) {
            subscriptionStarted(t);
        }
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
    }

    /** The first response of {@code type} is in (taken, or rejected). */
    void received(XdsResourceType type) {
        awaitingFirst.remove(type);
    }

    /** Nothing is pending any more: the timer has nothing to release unless a first response is still owed. */
    void nothingPending() {
        if (awaitingFirst.isEmpty()) {
            warmingTimer.cancel();
        }
    }

    /** What pends warms: the timer fires by {@code maxWait} at the latest (null: no bound). */
    void warming(Duration maxWait) {
        warmingTimer.arm(maxWait);
    }

    /** Every pending update is being applied: no wait is left. */
    void allTaken() {
        warmingTimer.cancel();
        awaitingFirst.clear();
    }

    /** The updates are taken out to be applied, {@code stillPending} left: LDS's first snapshot ends the server's wait. */
    void taking(Set<XdsResourceType> stillPending) {
        listenerGate.settle(awaitingFirst, stillPending);
    }

    /**
     * A snapshot was accepted.
     *
     * @param goneAhead named types applied while the rest warms: that ends no wait ({@link AheadOfWarming})
     * @param unchanged the applier was not called: the server is told its wait is over here
     */
    void applied(boolean goneAhead, boolean unchanged) {
        initialized |= !goneAhead;
        if (!goneAhead && !startOrder.initializing() && !serverInitialized) {
            serverInitialized = true;
            if (unchanged) {
                applier.initialized(); // LDS's first answer added nothing to apply: the wait is over all the same
            }
        }
    }

    /** Nothing is pending: initialization ends once no first response is owed any more. */
    void idle() {
        if (started && awaitingFirst.isEmpty()) {
            initializationDone();
        }
    }

    /**
     * Whose turn has come: RTDS once the static clusters are initialized, CDS once RTDS's first response is done
     * with, LDS once the clusters are initialized.
     */
    void maybeRelease(Set<XdsResourceType> pending) {
        if (started && !closed) {
            startOrder.check(awaitingFirst, pending, type -> {
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
        subscriptionStarted(type);
        warmingTimer.arm(options.initialFetchTimeout());
        watchFile.accept(type);
        subscriptions.startReleased(type, cycle.acceptedSnapshot());
        cycle.evaluate();
    }

    /**
     * A gRPC subscription (ADS or its own stream) starts: Envoy's GrpcSubscriptionImpl::start counts an
     * update_attempt before any response. A file's is counted as it is read (FilesystemSubscriptionImpl::refresh).
     */
    private void subscriptionStarted(XdsResourceType type) {
        if (options.adsTypes().contains(type)
                || options.apiSubscriptions().keySet().stream().anyMatch(k -> k.type() == type)) {
            stats.attempt(type);
        }
    }

    /** The warming timer fired: what is pending is applied without what never came. */
    private void onWarmingExpired(Duration wait) {
        log.warning("xDS: initial_fetch_timeout (" + wait + ") expired; applying without "
                + (awaitingFirst.isEmpty() ? "the missing dependencies" : awaitingFirst));
        for (XdsResourceType t : awaitingFirst) {
            if (!options.fileSources().containsKey(t)) {
                stats.initFetchTimeout(t); // their first response never came
            }
        }
        awaitingFirst.clear();
        stats.namedFetchesTimedOut(subscriptions, cycle.candidateSnapshot());
        maybeRelease(cycle.pendingTypes());
        if (!cycle.applyAllPending()) {
            initializationDone(); // Envoy goes LIVE without the config that never came
        }
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
}
