package io.remora.xds.ads;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The resource versions a new delta stream (ADS or a type's own) announces (initial_resource_versions), kept as Envoy's
 * DeltaSubscriptionState keeps them: a response's versions are taken only once its whole update was accepted and
 * ACKed (handleGoodResponse records them after onConfigUpdate returns; a subscription that fails part of the update,
 * as LDS and CDS do for a bad listener or cluster, makes it a NACK and nothing of it is recorded, the good resources
 * it applied included, and what it removed keeps its version). A removed resource is no longer announced. Control
 * thread only.
 */
final class DeltaVersions {
    private record Key(XdsResourceType type, String nonce) {
    }

    /** Decoded responses not yet answered, by type and nonce. */
    private final Map<Key, XdsUpdate> unanswered = new HashMap<>();
    private final EnumMap<XdsResourceType, Map<String, String>> acked = new EnumMap<>(XdsResourceType.class);

    void received(XdsUpdate u) {
        if (u.error() == null) {
            unanswered.put(new Key(u.type(), u.nonce()), u);
        }
    }

    void acked(XdsResourceType type, List<String> nonces) {
        for (String nonce : nonces) {
            XdsUpdate u = unanswered.remove(new Key(type, nonce));
            if (u != null) {
                Map<String, String> versions = acked.computeIfAbsent(type, t -> new LinkedHashMap<>());
                u.resources().forEach((name, r) -> versions.put(name, r.version()));
                u.removed().forEach(versions::remove);
            }
        }
    }

    void nacked(XdsResourceType type, List<String> nonces) {
        nonces.forEach(nonce -> unanswered.remove(new Key(type, nonce)));
    }

    /** A new stream: what the old one sent and was not answered is never answered. */
    void streamRestarted() {
        unanswered.clear();
    }

    /** The versions of {@code type} held, for the names still {@code wanted} (Envoy forgets the others). */
    Map<String, String> held(XdsResourceType type, Predicate<String> wanted) {
        Map<String, String> out = new LinkedHashMap<>();
        acked.getOrDefault(type, Map.of()).forEach((name, version) -> {
            if (wanted.test(name)) {
                out.put(name, version);
            }
        });
        return out;
    }
}
