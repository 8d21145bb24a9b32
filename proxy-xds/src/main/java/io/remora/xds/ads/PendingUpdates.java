package io.remora.xds.ads;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Updates received and merged over what was accepted, not yet applied (they wait while what they
 * bring warms): per type, the merged state, the ADS nonces it answers and those of each separate
 * api_config_source stream with the version_info to ACK there. Control thread only.
 */
final class PendingUpdates {

    /**
     * One type's pending update. {@code acked} is the state a CDS or LDS response was ACKed on ahead of its warming
     * (null if none): the version a later NACK names, and what a rejected newer response leaves warming.
     * {@code systemVersion} is the version_info of the response it brings, even NACKed (its state then names the
     * version ACKed last): what the config dump shows once something of it is applied.
     */
    record Pending(XdsSnapshot.TypeState state, List<String> nonces, boolean ads, Map<ApiSourceKey, SourceAck> sources,
                   XdsSnapshot.TypeState acked, String systemVersion) {
        /** Nothing in it is left to ACK: it was ACKed ahead of its warming (or came from a file). */
        boolean answered() {
            return nonces.isEmpty() && sources.isEmpty();
        }
    }

    /** What to ACK (or NACK) on one separate stream. */
    record SourceAck(String version, List<String> nonces) {
        SourceAck then(SourceAck later) {
            List<String> all = new ArrayList<>(nonces);
            all.addAll(later.nonces());
            return new SourceAck(later.version(), all);
        }
    }

    private final EnumMap<XdsResourceType, Pending> pending = new EnumMap<>(XdsResourceType.class);
    /**
     * Per wildcard type, the names of its latest state-of-the-world response in order when it named one twice
     * ({@link XdsUpdate#repeated}), until its NACK is sent.
     */
    private final EnumMap<XdsResourceType, List<String>> repeated = new EnumMap<>(XdsResourceType.class);

    boolean isEmpty() {
        return pending.isEmpty();
    }

    Set<XdsResourceType> types() {
        return pending.keySet();
    }

    /** An ADS or file update merged over the pending (or else the accepted) state of its type. */
    void add(XdsUpdate u, boolean ads, XdsSnapshot accepted, Set<String> subscribed) {
        XdsResourceType type = u.type();
        noteRepeated(u);
        Pending prior = pending.get(type);
        XdsSnapshot.TypeState merged = u.mergeInto(prior != null ? prior.state() : accepted.state(type), subscribed);
        List<String> nonces = new ArrayList<>(prior != null ? prior.nonces() : List.of());
        if (ads) {
            nonces.add(u.nonce());
        }
        pending.put(type, new Pending(merged, nonces, ads, prior != null ? prior.sources() : Map.of(),
                prior != null ? prior.acked() : null, u.versionInfo()));
    }

    /**
     * An update read from an RDS or EDS file. As from a separate stream, the type's version_info stays the ADS
     * stream's (the file's is its resources'), and an ADS update pending with it is still ACKed on ADS; a file is
     * never read again, so a pending update holding only file content is not dropped with the ADS stream.
     */
    void addFromFile(XdsUpdate u, XdsSnapshot accepted, Set<String> names) {
        XdsResourceType type = u.type();
        Pending prior = pending.get(type);
        XdsSnapshot.TypeState base = prior != null ? prior.state() : accepted.state(type);
        XdsSnapshot.TypeState merged = u.mergeInto(base, names);
        merged = new XdsSnapshot.TypeState(base.versionInfo(), merged.lastUpdated(), merged.resources());
        pending.put(type, new Pending(merged, prior != null ? prior.nonces() : List.of(),
                prior != null && prior.ads() && !prior.nonces().isEmpty(), prior != null ? prior.sources() : Map.of(),
                prior != null ? prior.acked() : null, prior != null ? prior.systemVersion() : merged.versionInfo()));
    }

    /** An update from a separate api_config_source stream, ACKed there once applied. */
    void addFromSource(ApiSourceKey key, XdsUpdate u, XdsSnapshot accepted, Set<String> subscribed) {
        XdsResourceType type = key.type();
        noteRepeated(u);
        Pending prior = pending.get(type);
        XdsSnapshot.TypeState base = prior != null ? prior.state() : accepted.state(type);
        XdsSnapshot.TypeState merged = u.mergeInto(base, subscribed);
        if (!type.wildcard) {
            // a named type's version_info stays that of the ADS stream; each stream's version is its own
            merged = new XdsSnapshot.TypeState(base.versionInfo(), merged.lastUpdated(), merged.resources());
        }
        Map<ApiSourceKey, SourceAck> acks = new HashMap<>(prior != null ? prior.sources() : Map.of());
        acks.merge(key, new SourceAck(u.versionInfo(), List.of(u.nonce())), SourceAck::then);
        pending.put(type, new Pending(merged, prior != null ? prior.nonces() : List.of(),
                prior == null || prior.ads(), Map.copyOf(acks), prior != null ? prior.acked() : null, u.versionInfo()));
    }

    private void noteRepeated(XdsUpdate u) {
        // the named types' copies were dropped by the mux (processDiscoveryResources): nothing to NACK
        if (u.repeated().isEmpty() || !u.type().wildcard) {
            repeated.remove(u.type());
        } else {
            repeated.put(u.type(), u.repeated());
        }
    }

    /** The wildcard types whose pending update, not yet answered, names a resource twice. */
    Set<XdsResourceType> repeatingUnanswered() {
        Set<XdsResourceType> out = java.util.EnumSet.noneOf(XdsResourceType.class);
        repeated.keySet().forEach(t -> {
            if (pending.containsKey(t) && !pending.get(t).answered()) {
                out.add(t);
            }
        });
        return out;
    }

    /** The names of {@code type}'s pending response in order if it named one twice (else empty), now answered. */
    List<String> takeRepeated(XdsResourceType type) {
        List<String> names = repeated.remove(type);
        return names == null ? List.of() : names;
    }

    /** A separate stream restarted: what it sent is no longer to be ACKed there. */
    void forgetSource(ApiSourceKey key) {
        Pending p = pending.get(key.type());
        if (p != null && p.sources().containsKey(key)) {
            Map<ApiSourceKey, SourceAck> acks = new HashMap<>(p.sources());
            acks.remove(key);
            pending.put(key.type(), new Pending(p.state(), p.nonces(), p.ads(), Map.copyOf(acks), p.acked(),
                    p.systemVersion()));
        }
    }

    /**
     * The ADS stream closed: its unapplied responses were never ACKed and will come again. What was ACKed ahead of
     * its warming stays, as Envoy's warming clusters and listeners outlive the stream.
     */
    void dropUnackedAds() {
        for (XdsResourceType t : Set.copyOf(pending.keySet())) {
            Pending p = pending.get(t);
            // an update that also came over a separate stream stays: that stream will not send it again
            if (p.ads() && p.sources().isEmpty()) {
                if (p.acked() != null) {
                    pending.put(t, new Pending(p.acked(), List.of(), p.ads(), Map.of(), p.acked(),
                            p.acked().versionInfo()));
                } else {
                    pending.remove(t);
                }
                repeated.remove(t);
            }
        }
    }

    /** The pending state of a type replaced (pruned of names nobody subscribes to any more). */
    void replaceState(XdsResourceType t, XdsSnapshot.TypeState state) {
        Pending p = pending.get(t);
        pending.put(t, new Pending(state, p == null ? List.of() : p.nonces(), p == null || p.ads(),
                p == null ? Map.of() : p.sources(), p == null ? null : p.acked(),
                p == null ? state.versionInfo() : p.systemVersion()));
    }

    Pending get(XdsResourceType type) {
        return pending.get(type);
    }

    /**
     * What is left of a pending update once it was NACKed: {@code state} goes on (warming, then applied) with nothing
     * in it to ACK, what was ACKed ahead of its warming still named by a later NACK.
     */
    void nackedLeaving(XdsResourceType type, XdsSnapshot.TypeState state) {
        Pending p = pending.get(type);
        pending.put(type, new Pending(state, List.of(), p.ads(), Map.of(), p.acked(), p.systemVersion()));
    }

    /** The pending update of {@code type} was ACKed ahead of its warming: nothing in it is to be ACKed again. */
    void ackedAhead(XdsResourceType type) {
        Pending p = pending.get(type);
        pending.put(type, new Pending(p.state(), List.of(), p.ads(), Map.of(), p.state(), p.systemVersion()));
    }

    /**
     * A rejected update taken out: what was ACKed of its type ahead of warming goes on warming, as a rejected CDS or
     * LDS response leaves Envoy's warming clusters and listeners be.
     */
    void keepAcked(XdsResourceType type, Pending rejected) {
        if (rejected.acked() != null && !rejected.answered()) { // else it is the ACKed one that failed: gone
            pending.put(type, new Pending(rejected.acked(), List.of(), rejected.ads(), Map.of(), rejected.acked(),
                    rejected.acked().versionInfo()));
        }
    }

    /** The snapshot that applying every pending update over {@code accepted} would give. */
    XdsSnapshot over(XdsSnapshot accepted) {
        XdsSnapshot s = accepted;
        for (Map.Entry<XdsResourceType, Pending> e : pending.entrySet()) {
            s = s.with(e.getKey(), e.getValue().state());
        }
        return s;
    }

    /** {@code accepted} with what was ACKed ahead of warming over it: what a new stream says the client holds. */
    XdsSnapshot ackedOver(XdsSnapshot accepted) {
        XdsSnapshot s = accepted;
        for (Map.Entry<XdsResourceType, Pending> e : pending.entrySet()) {
            if (e.getValue().acked() != null) {
                s = s.with(e.getKey(), e.getValue().acked());
            }
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
