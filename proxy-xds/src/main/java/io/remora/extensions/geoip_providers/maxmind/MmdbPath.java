package io.remora.extensions.geoip_providers.maxmind;

import java.nio.charset.StandardCharsets;

/** A lookup path into a record ({@code city.names.en}, {@code subdivisions.0.iso_code}), encoded once. */
final class MmdbPath {
    private final byte[][] keys;
    private final int[] indexes;

    MmdbPath(String... elements) {
        keys = new byte[elements.length][];
        indexes = new int[elements.length];
        for (int i = 0; i < elements.length; i++) {
            keys[i] = elements[i].getBytes(StandardCharsets.UTF_8);
            indexes[i] = elements[i].matches("[0-9]{1,9}") ? Integer.parseInt(elements[i]) : -1;
        }
    }

    int length() {
        return keys.length;
    }

    byte[] key(int i) {
        return keys[i];
    }

    /** The element as an array index, or -1 when it is not one. */
    int index(int i) {
        return indexes[i];
    }
}
