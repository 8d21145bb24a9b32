package io.remora.xds.translate;

import io.remora.config.ExtensionConfigSlot;
import io.remora.config.HttpFilterConfig;
import io.remora.config.ListenerConfig;
import io.remora.config.NetworkFilterConfig;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The slots discovered (ECDS) filters read their config from, one per resource name, filter kind
 * and set of accepted types: filters that would accept the same delivered config share a slot, and
 * a filter whose type_urls do not take it keeps its default (Envoy's config_conflict).
 */
public final class EcdsSlots {

    /**
     * @param typeNames the accepted config types, without {@code type.googleapis.com/}
     * @param direction the listener's traffic_direction, which some filters' translation reads
     */
    public record Key(boolean http, String name, Set<String> typeNames, ListenerConfig.TrafficDirection direction) {
        public Key {
            typeNames = Set.copyOf(typeNames);
        }
    }

    private final Map<Key, ExtensionConfigSlot<?>> slots = new ConcurrentHashMap<>();
    /** Bumped when slots are let go: a translation made before may hold a slot nothing fills any more. */
    private final java.util.concurrent.atomic.AtomicLong generation = new java.util.concurrent.atomic.AtomicLong();

    @SuppressWarnings("unchecked")
    public ExtensionConfigSlot<HttpFilterConfig> http(String name, Set<String> typeNames, ListenerConfig.TrafficDirection direction) {
        return (ExtensionConfigSlot<HttpFilterConfig>) slots.computeIfAbsent(new Key(true, name, typeNames, direction),
                k -> new ExtensionConfigSlot<HttpFilterConfig>(name));
    }

    @SuppressWarnings("unchecked")
    public ExtensionConfigSlot<NetworkFilterConfig> network(String name, Set<String> typeNames,
                                                            ListenerConfig.TrafficDirection direction) {
        return (ExtensionConfigSlot<NetworkFilterConfig>) slots.computeIfAbsent(new Key(false, name, typeNames, direction),
                k -> new ExtensionConfigSlot<NetworkFilterConfig>(name));
    }

    /** Every slot handed out and not yet let go. */
    public Map<Key, ExtensionConfigSlot<?>> all() {
        return Map.copyOf(slots);
    }

    /** Lets go of the slots no running filter names any more. */
    public void retain(Set<Key> keys) {
        if (slots.keySet().retainAll(keys)) {
            generation.incrementAndGet();
        }
    }

    /**
     * How many times slots were let go: a translation kept for later is still good while this has not moved, as
     * every slot it took is still the one filled.
     */
    public long generation() {
        return generation.get();
    }
}
