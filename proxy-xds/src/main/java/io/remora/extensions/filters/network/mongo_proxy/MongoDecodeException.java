package io.remora.extensions.filters.network.mongo_proxy;

/** Bytes that are not the mongo wire protocol as Envoy's decoder reads it: the filter stops looking. */
final class MongoDecodeException extends RuntimeException {
    MongoDecodeException(String message) {
        super(message, null, false, false);
    }
}
