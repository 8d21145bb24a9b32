package io.remora.xds.runtime;

import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.config.ExtensionConfigSlot;
import io.remora.xds.ads.EcdsRefs;
import io.remora.xds.ads.XdsRejectedException;
import io.remora.xds.ads.XdsSnapshot;
import io.remora.xds.ads.XdsStats;
import io.remora.xds.translate.EcdsFilterTranslator;
import io.remora.xds.translate.EcdsSlots;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TranslationException;
import io.remora.xds.translate.TypedConfig;

import java.util.HashMap;
import java.util.Map;

/**
 * The delivered TypedExtensionConfigs (ECDS) of a snapshot, translated for every slot its
 * listeners' discovered filters read, then published once the snapshot is applied: live listeners
 * see them on their next stream or connection, with no drain. A delivered config that no filter
 * naming it may take (its type not in their type_urls, or invalid) rejects the update, as Envoy
 * NACKs it; a new listener whose type_urls do not take the config already held runs on its
 * default instead (Envoy's config_conflict).
 */
final class EcdsConfigs {

    private record Cached(TypedExtensionConfig proto, Object value) {
    }

    private final EcdsSlots slots = new EcdsSlots();
    private final MeterRegistry registry;
    /** The last translation per kind and name, reused while the resource is unchanged. */
    private Map<String, Cached> cache = Map.of();
    private Map<String, Cached> nextCache = Map.of();
    /** What {@link #commit} publishes: per slot, its config or null (default, or missing). */
    private Map<EcdsSlots.Key, Object> prepared = Map.of();
    private Map<EcdsSlots.Key, Object> published = Map.of();
    /** The delivered configs of the last applied snapshot: a config not among them is an update to check. */
    private Map<String, TypedExtensionConfig> applied = Map.of();

    EcdsConfigs(MeterRegistry registry) {
        this.registry = registry;
    }

    EcdsSlots slots() {
        return slots;
    }

    /** Translates the snapshot's delivered configs for the slots its listeners (already translated) read. */
    void prepare(XdsSnapshot snapshot, TranslationContext ctx) throws XdsRejectedException {
        Map<String, Cached> next = new HashMap<>();
        Map<EcdsSlots.Key, Object> values = new HashMap<>();
        java.util.Set<String> refs = refs(snapshot);
        for (EcdsSlots.Key key : slots.all().keySet()) {
            TypedExtensionConfig r = snapshot.extensionConfigs().get(key.name());
            if (r == null || !refs.contains(refKey(key))) {
                values.put(key, null);
                continue;
            }
            String cacheKey = (key.http() ? "http|" : "network|") + key.direction() + "|" + key.name();
            Cached prior = cache.get(cacheKey);
            boolean changed = !r.equals(applied.get(key.name()));
            if (!r.hasTypedConfig()) {
                throw new XdsRejectedException(key.name(), "typed_config: missing required field");
            }
            String type = TypedConfig.of(r.getTypedConfig(), FieldPath.of("typed_config")).typeName();
            if (!key.typeNames().contains(type)) {
                if (changed) {
                    throw new XdsRejectedException(key.name(), "Error: filter config has type URL " + type
                            + " but expect " + String.join(", ", key.typeNames()) + ".");
                }
                if (!published.containsKey(key)) {
                    XdsStats.ecds(registry, key.http() ? EcdsRefs.Kind.HTTP : EcdsRefs.Kind.NETWORK, key.name(),
                            "config_conflict").increment();
                }
                values.put(key, null);
                continue;
            }
            Cached c = prior != null && prior.proto().equals(r) ? prior
                    : new Cached(r, translate(key, r, ctx.withTrafficDirection(key.direction())));
            next.put(cacheKey, c);
            values.put(key, c.value());
        }
        nextCache = next;
        prepared = values;
    }

    /** The snapshot was applied: its configs go live and slots nothing reads any more are let go. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    void commit(XdsSnapshot snapshot) {
        Map<EcdsSlots.Key, ExtensionConfigSlot<?>> all = slots.all();
        prepared.forEach((key, value) -> {
            ExtensionConfigSlot slot = all.get(key);
            if (slot != null && slot.config() != value) {
                slot.set(value);
            }
        });
        java.util.Set<EcdsSlots.Key> live = new java.util.HashSet<>();
        java.util.Set<String> refs = refs(snapshot);
        for (EcdsSlots.Key key : prepared.keySet()) {
            if (refs.contains(refKey(key))) {
                live.add(key);
            }
        }
        slots.retain(live);
        cache = nextCache;
        published = prepared;
        applied = snapshot.extensionConfigs();
    }

    /** The discovered filters of the snapshot's listeners, as kind, name and accepted types. */
    private static java.util.Set<String> refs(XdsSnapshot snapshot) {
        java.util.Set<String> out = new java.util.HashSet<>();
        for (EcdsRefs.Ref ref : EcdsRefs.of(snapshot)) {
            out.add((ref.kind() == EcdsRefs.Kind.HTTP) + "|" + ref.name() + "|" + new java.util.TreeSet<>(ref.typeNames()));
        }
        return out;
    }

    private static String refKey(EcdsSlots.Key key) {
        return key.http() + "|" + key.name() + "|" + new java.util.TreeSet<>(key.typeNames());
    }

    private static Object translate(EcdsSlots.Key key, TypedExtensionConfig r, TranslationContext ctx)
            throws XdsRejectedException {
        FieldPath path = FieldPath.of("typed_config");
        try {
            return key.http() ? EcdsFilterTranslator.http(r.getTypedConfig(), key.typeNames(), path, ctx)
                    : EcdsFilterTranslator.network(r.getTypedConfig(), key.typeNames(), path, ctx);
        } catch (TranslationException e) {
            throw new XdsRejectedException(key.name(), e.path().isEmpty() ? e.reason() : e.path() + ": " + e.reason(), e);
        } catch (RuntimeException e) {
            throw new XdsRejectedException(key.name(), String.valueOf(e.getMessage()), e);
        }
    }
}
