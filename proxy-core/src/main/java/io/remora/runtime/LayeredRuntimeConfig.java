package io.remora.runtime;

import java.util.List;
import java.util.Map;

/**
 * The bootstrap's {@code layered_runtime}, translated: its layers in order. {@link #ABSENT} is a
 * bootstrap without the field (no layers at all: {@code /runtime_modify} answers 503, as Envoy's).
 */
public record LayeredRuntimeConfig(List<Layer> layers) {

    public static final LayeredRuntimeConfig ABSENT = new LayeredRuntimeConfig(List.of());

    public LayeredRuntimeConfig {
        layers = List.copyOf(layers);
    }

    /** One layer of {@code layered_runtime.layers}. */
    public sealed interface Layer {
        String name();
    }

    /** {@code static_layer}: values flattened to dotted keys by the translator. */
    public record Static(String name, Map<String, RuntimeEntry> values) implements Layer {
        public Static {
            values = Map.copyOf(values);
        }
    }

    /**
     * {@code disk_layer}: files under {@code symlinkRoot/subdirectory[/serviceCluster]}, each file
     * one key (its path with dots), re-read when the symlink root is swapped.
     */
    public record Disk(String name, String symlinkRoot, String subdirectory, boolean appendServiceCluster)
            implements Layer {
    }

    /** {@code admin_layer}: what {@code /runtime_modify} sets. At most one. */
    public record Admin(String name) implements Layer {
    }

    /**
     * {@code rtds_layer}: the Runtime resource {@code resourceName} of a runtime discovery service;
     * empty until the first one arrives ({@link RuntimeLoader#updateRtds}).
     */
    public record Rtds(String name, String resourceName) implements Layer {
    }
}
