package io.remora.extensions.filters.network.redis_proxy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** A route's {@code key_formatter}: its text with each {@code %KEY%} replaced by the key. */
final class KeyFormat {
    static final String KEY = "%KEY%";

    private KeyFormat() {
    }

    static byte[] apply(String formatter, byte[] key) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(formatter.length() + key.length);
        int from = 0;
        int at;
        while ((at = formatter.indexOf(KEY, from)) >= 0) {
            out.writeBytes(formatter.substring(from, at).getBytes(StandardCharsets.UTF_8));
            out.writeBytes(key);
            from = at + KEY.length();
        }
        out.writeBytes(formatter.substring(from).getBytes(StandardCharsets.UTF_8));
        // As Envoy's: a formatter that yields nothing leaves the key as it was.
        return out.size() == 0 ? key : out.toByteArray();
    }
}
