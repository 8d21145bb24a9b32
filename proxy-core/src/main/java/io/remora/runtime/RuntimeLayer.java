package io.remora.runtime;

import java.util.Map;

/** One loaded layer: its name (as {@code /runtime} lists it), its kind and its values. */
public record RuntimeLayer(String name, Kind kind, Map<String, RuntimeEntry> values) {

    public enum Kind { STATIC, DISK, ADMIN, RTDS }

    public RuntimeLayer {
        values = Map.copyOf(values);
    }
}
