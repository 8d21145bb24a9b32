package io.remora.xds.ads;

import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Updates received and merged over what was accepted, not yet applied (they wait while what they
 * bring warms): per type, the merged state, the ADS nonces it answers and, for secrets, those of
 * each separate SDS stream with the version_info to ACK there. Control thread only.
 */
final class PendingUpdates {

    /** One type's pending update. */
    record Pending(XdsSnapshot.TypeState state, List<String> nonces, boolean ads, Map<ApiConfigSource, SdsAck> sds) {
    }

    /** What to ACK (or NACK) on one separate SDS stream. */
    record SdsAck(String version, List<String> nonces) {
        SdsAck then(SdsAck later) {
            List<String> all = new ArrayList<>(nonces);
            all.addAll(later.nonces());
            return new SdsAck(later.version(), all);
        }
    }

    private final EnumMap<XdsResourceType, Pending> pending = new EnumMap<>(XdsResourceType.class);

    boolean isEmpty() {
        return pending.isEmpty();
    }

    Set<XdsResourceType> types() {
        return pending.keySet();
    }

    /** An ADS or file update merged over the pending (or else the accepted) state of its type. */
    void add(XdsUpdate u, boolean ads, XdsSnapshot accepted, Set<String> subscribed) {
        XdsResourceType type = u.type();
        Pending prior = pending.get(type);
        XdsSnapshot.TypeState merged = u.mergeInto(prior != null ? prior.state() : accepted.state(type), subscribed);
        List<String> nonces = new ArrayList<>(prior != null ? prior.nonces() : List.of());
        if (ads) {
            nonces.add(u.nonce());
        }
        pending.put(type, new Pending(merged, nonces, ads, prior != null ? prior.sds() : Map.of()));
    }

    /** A secret update from a separate SDS stream, ACKed there once applied. */
    void addSds(ApiConfigSource source, XdsUpdate u, XdsSnapshot accepted, Set<String> subscribed) {
        Pending prior = pending.get(XdsResourceType.SECRET);
        XdsSnapshot.TypeState base = prior != null ? prior.state() : accepted.state(XdsResourceType.SECRET);
        XdsSnapshot.TypeState merged = u.mergeInto(base, subscribed);
        // version_info of the secret type stays that of the ADS stream; this stream's version is its own
        merged = new XdsSnapshot.TypeState(base.versionInfo(), merged.lastUpdated(), merged.resources());
        Map<ApiConfigSource, SdsAck> acks = new HashMap<>(prior != null ? prior.sds() : Map.of());
        acks.merge(source, new SdsAck(u.versionInfo(), List.of(u.nonce())), SdsAck::then);
        pending.put(XdsResourceType.SECRET, new Pending(merged, prior != null ? prior.nonces() : List.of(),
                prior == null || prior.ads(), Map.copyOf(acks)));
    }

    /** A separate SDS stream restarted: what it sent is no longer to be ACKed there. */
    void forgetSdsSource(ApiConfigSource source) {
        Pending p = pending.get(XdsResourceType.SECRET);
        if (p != null && p.sds().containsKey(source)) {
            Map<ApiConfigSource, SdsAck> acks = new HashMap<>(p.sds());
            acks.remove(source);
            pending.put(XdsResourceType.SECRET, new Pending(p.state(), p.nonces(), p.ads(), Map.copyOf(acks)));
        }
    }

    /** The ADS stream closed: its unapplied responses were never ACKed and will come again. */
    void dropUnackedAds() {
        // a secret update that also came over a separate SDS stream stays: that stream will not send it again
        pending.entrySet().removeIf(e -> e.getValue().ads() && e.getValue().sds().isEmpty());
    }

    /** The pending state of a type replaced (pruned of names nobody subscribes to any more). */
    void replaceState(XdsResourceType t, XdsSnapshot.TypeState state) {
        Pending p = pending.get(t);
        pending.put(t, new Pending(state, p == null ? List.of() : p.nonces(), p == null || p.ads(),
                p == null ? Map.of() : p.sds()));
    }

    /** The snapshot that applying every pending update over {@code accepted} would give. */
    XdsSnapshot over(XdsSnapshot accepted) {
        XdsSnapshot s = accepted;
        for (Map.Entry<XdsResourceType, Pending> e : pending.entrySet()) {
            s = s.with(e.getKey(), e.getValue().state());
        }
        return s;
    }

    /** Takes the pending updates of {@code types} out, to be applied. */
    Map<XdsResourceType, Pending> take(Set<XdsResourceType> types) {
        Map<XdsResourceType, Pending> taken = new EnumMap<>(XdsResourceType.class);
        for (XdsResourceType t : Set.copyOf(types)) {
            taken.put(t, pending.remove(t));
        }
        return taken;
    }

    /** Puts back what was taken and not rejected. */
    void putBack(Map<XdsResourceType, Pending> updates) {
        pending.putAll(updates);
    }
}
