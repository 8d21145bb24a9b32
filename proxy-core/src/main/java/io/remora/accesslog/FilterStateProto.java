package io.remora.accesslog;

/**
 * A filter state object that Envoy serializes as a proto message of its own (serializeAsProto),
 * such as tcp_proxy's propagated tunnel response headers (a {@code config.core.v3.HeaderMap}):
 * {@code %FILTER_STATE(KEY:TYPED)%} is the message's JSON, an object in a JSON log and its JSON
 * text elsewhere; {@code KEY:PLAIN} is its serializeAsString, which such objects mostly lack.
 */
public interface FilterStateProto {

    /** The message's proto3 JSON as {@link io.remora.admin.Json} writes it: maps, lists, strings, numbers. */
    Object protoJson();

    /** Envoy's serializeAsString; null (printed {@code -}) for an object that has none, Envoy's default. */
    default String plainText() {
        return null;
    }
}
