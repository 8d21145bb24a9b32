package io.remora.redis;

/** Bytes that are not RESP (Envoy's {@code ProtocolError}): the connection is closed. */
public final class RespProtocolException extends RuntimeException {
    public RespProtocolException(String message) {
        super(message, null, false, false);
    }
}
