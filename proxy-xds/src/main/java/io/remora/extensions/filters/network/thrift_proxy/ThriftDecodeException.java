package io.remora.extensions.filters.network.thrift_proxy;

/** Bytes that are not the configured Thrift transport or protocol. */
final class ThriftDecodeException extends RuntimeException {

    ThriftDecodeException(String message) {
        super(message, null, false, false);
    }
}
