package io.remora.config;

import java.util.Arrays;

/**
 * One of {@code TlsSessionTicketKeys.keys}: 80 bytes as Envoy reads them (a 16-byte name, a
 * 32-byte HMAC secret, a 32-byte AES key). Compared by content, so a re-sent identical key list
 * does not rebuild a TLS context; never printed.
 */
public record SessionTicketKey(byte[] bytes) {
    public static final int LENGTH = 80;

    public SessionTicketKey {
        if (bytes == null || bytes.length != LENGTH) {
            throw new IllegalArgumentException("Incorrect TLS session ticket key length. Length "
                    + (bytes == null ? 0 : bytes.length) + ", expected length " + LENGTH + ".");
        }
        bytes = bytes.clone();
    }

    public byte[] name() {
        return Arrays.copyOfRange(bytes, 0, 16);
    }

    public byte[] hmacKey() {
        return Arrays.copyOfRange(bytes, 16, 48);
    }

    public byte[] aesKey() {
        return Arrays.copyOfRange(bytes, 48, 80);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SessionTicketKey k && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "SessionTicketKey[<redacted>]";
    }
}
