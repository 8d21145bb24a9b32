package io.remora.xds.ads;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * What follows a rejected update, {@link XdsUpdateCycle}'s NACK half: the NACK on ADS (naming the version ACKed last)
 * and on each separate stream that sent part of it, the rejected stats, and the names no longer waited for. An update
 * ACKed ahead of its warming ({@link WarmingAcks}) is never NACKed afterwards. Control thread only.
 */
final class UpdateRejections {
    private static final Logger log = Logger.getLogger(XdsClient.class.getName());

    private final XdsStats stats;
    private final AdsSubscriptions subscriptions;
    private final ApiSourceStreams sources;
    private final PendingUpdates pending;
    private final SubscribedNames subscribed;
    private final OnDemandVirtualHosts onDemand;
    /** The cycle's: a rejected first response ends the wait for it. */
    private final Set<XdsResourceType> awaitingFirst;
    private final Supplier<XdsSnapshot> accepted;
    private final ListenerErrorStates listenerErrors;
    /** Names no longer waited for: their fetch was rejected while they were missing. */
    final SettledNames settled = new SettledNames();

    UpdateRejections(XdsStats stats, AdsSubscriptions subscriptions, ApiSourceStreams sources, PendingUpdates pending,
                     SubscribedNames subscribed, OnDemandVirtualHosts onDemand, Set<XdsResourceType> awaitingFirst,
                     Supplier<XdsSnapshot> accepted, ListenerErrorStates listenerErrors) {
        this.stats = stats;
        this.subscriptions = subscriptions;
        this.sources = sources;
        this.pending = pending;
        this.subscribed = subscribed;
        this.onDemand = onDemand;
        this.awaitingFirst = awaitingFirst;
        this.accepted = accepted;
        this.listenerErrors = listenerErrors;
    }

    /** The version_info a NACK of {@code type} names: the one ACKed ahead of warming, else the applied one. */
    String ackedVersion(XdsResourceType type) {
        PendingUpdates.Pending held = pending.get(type);
        return held != null && held.acked() != null ? held.acked().versionInfo() : accepted.get().versionInfo(type);
    }

    /** NACKs a pending update taken out; what was ACKed of its type ahead of warming stays pending. */
    void rejectTaken(XdsResourceType t, PendingUpdates.Pending p, String error) {
        XdsSnapshot accepted = this.accepted.get();
        if (p.acked() != null && p.answered()) {
            // Envoy does not turn an ACK into a NACK: a cluster or listener that fails to warm is just not added
            log.warning("xDS: " + t.shortName() + " update ACKed while warming failed to apply: " + error);
            return;
        }
        refusedByItsSubscription(t, p);
        pending.takeRepeated(t);
        reject(t, p.nonces(), p.ads(), p.acked() != null ? p.acked().versionInfo() : accepted.versionInfo(t), error);
        p.sources().forEach((key, ack) -> sources.nack(key, ack.nonces(), error));
        if (t == XdsResourceType.ROUTE) {
            p.sources().keySet().forEach(key -> stats.rdsRejected(sources.names(key), pending.over(accepted)));
        }
        stats.perResource(t, accepted, accepted.with(t, p.state()), false, -1);
        pending.keepAcked(t, p);
    }

    /**
     * NACKs the types of {@code applying} holding the resource the applier named (all of them when it named none it
     * knows) and puts the others back to be tried without them, as Envoy rejects one type's update and keeps the
     * others.
     */
    void rejectBlamed(Map<XdsResourceType, PendingUpdates.Pending> applying, String resourceName, String error) {
        log.warning("xDS update rejected: " + error);
        Set<XdsResourceType> blamed = java.util.EnumSet.noneOf(XdsResourceType.class);
        for (Map.Entry<XdsResourceType, PendingUpdates.Pending> e : applying.entrySet()) {
            if (resourceName != null && e.getValue().state().resources().containsKey(resourceName)) {
                blamed.add(e.getKey());
            }
        }
        if (blamed.isEmpty()) {
            blamed.addAll(applying.keySet());
        }
        for (XdsResourceType t : blamed) {
            rejectTaken(t, applying.remove(t), error);
        }
        pending.putBack(applying);
    }

    /**
     * Whether the listeners and clusters {@code e} names can be left out of {@code updates}, each keeping what runs
     * (or absent if new): each is one these updates bring, not the one that runs already.
     */
    boolean canLeaveOut(ResourcesRejected e, Map<XdsResourceType, PendingUpdates.Pending> updates) {
        for (XdsResourceType t : e.types()) {
            PendingUpdates.Pending p = updates.get(t);
            if (p == null) {
                return false;
            }
            for (String name : e.names(t)) {
                XdsResource brought = p.state().resources().get(name);
                XdsResource running = accepted.get().state(t).resources().get(name);
                if (brought == null || running != null && running.resource().equals(brought.resource())) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Pending LDS or CDS updates hold listeners or clusters that fail (a translation error, an address that cannot
     * bind): each type is NACKed naming all of its failed ones, as LdsApiImpl::onConfigUpdate and
     * CdsApiHelper::onConfigUpdate NACK once they added the others; the others go on, the failed ones keep what runs
     * (or are absent if new), and the version stays the one ACKed last, as the NACK leaves the subscription's.
     */
    void rejectPartly(ResourcesRejected e) {
        for (XdsResourceType t : e.types()) {
            rejectPartly(t, e.failures(t));
        }
    }

    /**
     * As above for one type, {@code failures} possibly empty when the update only names a listener or cluster twice:
     * the NACK names each later copy too, the first copies go on.
     */
    void rejectPartly(XdsResourceType t, Map<String, String> failures) {
        PendingUpdates.Pending p = pending.get(t);
        List<String> repeated = pending.takeRepeated(t);
        String error = ResourcesRejected.message(t, failures, repeated);
        if (t == XdsResourceType.LISTENER) {
            listenerErrors.failed(failures, p.state().resources(), repeated, java.time.Instant.now());
        }
        if (p.answered() && p.ads()) {
            // answered already (ACKed ahead of its warming, or NACKed for others of it), failing since (a port
            // taken): an answer is not sent twice
            log.warning("xDS: " + t.shortName() + " update already answered failed to apply: " + error);
        } else {
            log.warning("xDS update rejected: " + error);
            refusedByItsSubscription(t, p);
            reject(t, p.nonces(), p.ads(), ackedVersion(t), error);
            p.sources().forEach((key, ack) -> sources.nack(key, ack.nonces(), error));
        }
        String version = p.acked() != null ? p.acked().versionInfo() : accepted.get().versionInfo(t);
        Map<String, XdsResource> resources = new LinkedHashMap<>(p.state().resources());
        for (String name : failures.keySet()) {
            // not what was ACKed of it while warming: that may be what fails now (the port taken meanwhile)
            XdsResource running = accepted.get().state(t).resources().get(name);
            if (running != null) {
                resources.put(name, running);
            } else {
                resources.remove(name);
            }
        }
        pending.nackedLeaving(t, new XdsSnapshot.TypeState(version, p.state().lastUpdated(), resources));
    }

    /**
     * A delta ADS response decoded and then refused by what it updates: Envoy's GrpcSubscriptionImpl counts an
     * update_attempt as the delta onConfigUpdate starts and another as onConfigUpdateFailed reports the rejection
     * (the state-of-the-world form counts one or the other).
     */
    private void refusedByItsSubscription(XdsResourceType t, PendingUpdates.Pending p) {
        if (p.ads() && !p.nonces().isEmpty() && subscriptions.delta()) {
            stats.attempt(t);
        }
    }

    /** A rejected response of a named type: what it should have brought is no longer waited for. */
    void settle(XdsResourceType type, Set<String> names) {
        // as Envoy's RTDS init target, a rejected first response ends the wait for it too
        awaitingFirst.remove(type);
        settled.rejected(type, names, accepted.get());
    }

    /** @param ackedVersion the version_info the NACK names: the last ACKed */
    void reject(XdsResourceType type, List<String> nonces, boolean ads, String ackedVersion, String error) {
        stats.rejected(type);
        if (type == XdsResourceType.ROUTE && ads && !nonces.isEmpty()) {
            stats.rdsRejected(subscriptions.names(type), pending.over(accepted.get()));
        }
        if (type == XdsResourceType.EXTENSION_CONFIG) {
            stats.ecdsFailed(subscribed.of(type), EcdsRefs.of(pending.over(accepted.get())));
        }
        settle(type, subscribed.of(type));
        if (type == XdsResourceType.VIRTUAL_HOST) {
            onDemand.settled(); // the held requests go on with the route tables as they are
        }
        if (ads && !nonces.isEmpty()) {
            subscriptions.nack(type, ackedVersion, nonces, error);
        } else if (!ads) {
            log.warning("xDS: " + type.shortName() + " file update rejected: " + error);
        }
    }

    /** A CDS or LDS response that failed its check ahead of warming ({@link WarmingAcks}): rejected whole or in part. */
    WarmingAcks.Rejection aheadOfWarming() {
        return aheadOfWarming;
    }

    private final WarmingAcks.Rejection aheadOfWarming = new WarmingAcks.Rejection() {
        @Override
        public void rejected(XdsResourceType type, String error) {
            log.warning("xDS update rejected: " + error);
            rejectTaken(type, pending.take(Set.of(type)).get(type), error);
        }

        @Override
        public void repeated(XdsResourceType type) {
            rejectPartly(type, Map.of());
        }

        @Override
        public void partly(XdsResourceType type, ResourcesRejected e) {
            if (e.types().equals(Set.of(type)) && canLeaveOut(e, Map.of(type, pending.get(type)))) {
                rejectPartly(e);
            } else {
                rejected(type, e.types().contains(type) ? e.message(type) : e.getMessage());
            }
        }
    };
}
