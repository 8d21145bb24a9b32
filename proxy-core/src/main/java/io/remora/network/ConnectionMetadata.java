package io.remora.network;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Dynamic metadata a connection gets before its filter chain runs: what an internal_upstream
 * socket passed through to an internal listener, and the TLVs proxy_protocol's rules keep. It
 * becomes the dynamic metadata of the connection's tcp_proxy session (its access logs read it),
 * as Envoy's connection-level stream info holds it.
 */
public final class ConnectionMetadata {
    private static final AttributeKey<Map<String, Map<String, Object>>> ATTR =
            AttributeKey.valueOf("remora.connectionMetadata");

    private ConnectionMetadata() {
    }

    /** Adds {@code values} under their namespaces (event loop of the channel). */
    public static void putAll(Channel ch, Map<String, Map<String, Object>> values) {
        values.forEach((ns, kv) -> kv.forEach((k, v) -> put(ch, ns, k, v)));
    }

    public static void put(Channel ch, String namespace, String key, Object value) {
        namespace(ch, namespace).put(key, value);
    }

    /** Adds {@code value} unless {@code key} already has one in {@code namespace}. */
    public static void putIfAbsent(Channel ch, String namespace, String key, Object value) {
        namespace(ch, namespace).putIfAbsent(key, value);
    }

    /** Every namespace of the connection's metadata, read-only (empty when none). */
    public static Map<String, Map<String, Object>> all(Channel ch) {
        Map<String, Map<String, Object>> all = ch.hasAttr(ATTR) ? ch.attr(ATTR).get() : null;
        return all == null ? Map.of() : java.util.Collections.unmodifiableMap(all);
    }

    /** Removes every key of {@code namespace} (a filter that rewrites its namespace as a whole). */
    public static void clear(Channel ch, String namespace) {
        Map<String, Map<String, Object>> all = ch.hasAttr(ATTR) ? ch.attr(ATTR).get() : null;
        if (all != null) {
            all.remove(namespace);
        }
    }

    private static Map<String, Object> namespace(Channel ch, String namespace) {
        Map<String, Map<String, Object>> all = ch.attr(ATTR).get();
        if (all == null) {
            all = new LinkedHashMap<>(2);
            ch.attr(ATTR).set(all);
        }
        return all.computeIfAbsent(namespace, n -> new LinkedHashMap<>(4));
    }

    /** Copies the connection's metadata into a stream's dynamic metadata. */
    public static void copyTo(Channel ch, io.remora.accesslog.StreamInfo info) {
        Map<String, Map<String, Object>> all = ch.hasAttr(ATTR) ? ch.attr(ATTR).get() : null;
        if (all != null) {
            all.forEach((ns, values) -> values.forEach((k, v) -> info.setDynamicMetadata(ns, k, v)));
        }
    }
}
