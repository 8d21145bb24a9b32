package io.remora.extensions.compression;

/** Corrupt compressed data, or a body that inflates beyond the allowed ratio. */
public final class DecompressionException extends RuntimeException {

    public DecompressionException(String message) {
        super(message);
    }
}
