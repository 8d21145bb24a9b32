package io.remora.runtime;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Envoy's runtime loader: builds a {@link Runtime} snapshot from the configured layers, keeps the
 * admin layer's overrides and the RTDS layers' values, and publishes a new snapshot (one volatile
 * write) whenever the admin layer or an RTDS layer changes or the disk layers are reloaded.
 * Readers never lock. Emits Envoy's {@code runtime.*} stats.
 */
public final class RuntimeLoader {

    private static final Logger LOG = io.remora.log.Logging.logger("runtime");
    /** Envoy's bound on the depth of a disk layer's directory tree. */
    private static final int MAX_WALK_DEPTH = 16;

    private final LayeredRuntimeConfig config;
    private final String serviceCluster;
    private final Map<String, RuntimeEntry> adminValues = new LinkedHashMap<>();
    /** Per RTDS resource name, the values of its last accepted Runtime; empty until one arrives. */
    private final Map<String, Map<String, RuntimeEntry>> rtdsValues = new java.util.HashMap<>();
    private final boolean hasAdminLayer;
    private volatile Runtime snapshot = Runtime.EMPTY;

    private final Counter loadSuccess;
    private final Counter loadError;
    private final Counter overrideDirNotExists;
    private final Counter overrideDirExists;
    private final AtomicLong numKeys = new AtomicLong();
    private final AtomicLong numLayers = new AtomicLong();
    private final AtomicLong adminOverridesActive = new AtomicLong();

    /**
     * @param serviceCluster {@code --service-cluster} / node cluster, for {@code append_service_cluster}
     * @throws IllegalArgumentException for duplicate layer names or more than one admin layer
     */
    public RuntimeLoader(LayeredRuntimeConfig config, String serviceCluster, MeterRegistry registry) {
        this.config = config;
        this.serviceCluster = serviceCluster == null ? "" : serviceCluster;
        java.util.Set<String> names = new java.util.HashSet<>();
        int admins = 0;
        for (LayeredRuntimeConfig.Layer l : config.layers()) {
            if (!names.add(l.name())) {
                throw new IllegalArgumentException("Duplicate layer name: " + l.name());
            }
            if (l instanceof LayeredRuntimeConfig.Admin) {
                admins++;
            }
        }
        if (admins > 1) {
            throw new IllegalArgumentException(
                    "Too many admin layers specified in LayeredRuntime, at most one may be specified");
        }
        this.hasAdminLayer = admins == 1;
        loadSuccess = Counter.builder("envoy_runtime_load_success").register(registry);
        loadError = Counter.builder("envoy_runtime_load_error").register(registry);
        overrideDirNotExists = Counter.builder("envoy_runtime_override_dir_not_exists").register(registry);
        overrideDirExists = Counter.builder("envoy_runtime_override_dir_exists").register(registry);
        Gauge.builder("envoy_runtime_num_keys", numKeys, AtomicLong::get).register(registry);
        Gauge.builder("envoy_runtime_num_layers", numLayers, AtomicLong::get).register(registry);
        Gauge.builder("envoy_runtime_admin_overrides_active", adminOverridesActive, AtomicLong::get).register(registry);
        loadNewSnapshot();
    }

    /** The current snapshot; hold it for the length of one decision. */
    public Runtime snapshot() {
        return snapshot;
    }

    public boolean hasAdminLayer() {
        return hasAdminLayer;
    }

    /** The symlink roots of the disk layers, for a watcher that calls {@link #reload} when one is swapped. */
    public List<Path> diskRoots() {
        List<Path> out = new ArrayList<>();
        for (LayeredRuntimeConfig.Layer l : config.layers()) {
            if (l instanceof LayeredRuntimeConfig.Disk d) {
                out.add(Path.of(d.symlinkRoot()));
            }
        }
        return out;
    }

    /**
     * {@code /runtime_modify}: sets the admin layer's keys; an empty value removes the key.
     *
     * @throws IllegalStateException "No admin layer specified" when the config has no admin layer
     */
    public synchronized void mergeValues(Map<String, String> values) {
        if (!hasAdminLayer) {
            throw new IllegalStateException("No admin layer specified");
        }
        values.forEach((k, v) -> {
            adminValues.remove(k);
            if (!v.isEmpty()) {
                adminValues.put(k, RuntimeEntry.parse(v));
            }
        });
        adminOverridesActive.set(adminValues.isEmpty() ? 0 : 1);
        LOG.fine(() -> "runtime: admin layer now overrides " + adminValues.keySet());
        loadNewSnapshot();
    }

    /**
     * An RTDS update: the flattened values of each Runtime resource received, by resource name. Every
     * layer naming one of them takes its values; one new snapshot is published for the lot.
     */
    public synchronized void updateRtds(Map<String, Map<String, RuntimeEntry>> byResourceName) {
        byResourceName.forEach((name, values) -> rtdsValues.put(name, Map.copyOf(values)));
        LOG.fine(() -> "runtime: RTDS layers updated: " + byResourceName.keySet());
        loadNewSnapshot();
    }

    /** Re-reads the disk layers and publishes a new snapshot (Envoy does so when the symlink root moves). */
    public synchronized void reload() {
        loadNewSnapshot();
    }

    private synchronized void loadNewSnapshot() {
        List<RuntimeLayer> layers = new ArrayList<>();
        for (LayeredRuntimeConfig.Layer l : config.layers()) {
            if (l instanceof LayeredRuntimeConfig.Static s) {
                layers.add(new RuntimeLayer(s.name(), RuntimeLayer.Kind.STATIC, s.values()));
            } else if (l instanceof LayeredRuntimeConfig.Disk d) {
                layers.add(new RuntimeLayer(d.name(), RuntimeLayer.Kind.DISK, readDisk(d)));
            } else if (l instanceof LayeredRuntimeConfig.Admin a) {
                layers.add(new RuntimeLayer(a.name(), RuntimeLayer.Kind.ADMIN, adminValues));
            } else if (l instanceof LayeredRuntimeConfig.Rtds r) {
                layers.add(new RuntimeLayer(r.name(), RuntimeLayer.Kind.RTDS,
                        rtdsValues.getOrDefault(r.resourceName(), Map.of())));
            }
        }
        Runtime next = new RuntimeSnapshot(layers);
        snapshot = next;
        loadSuccess.increment();
        numKeys.set(next.values().size());
        numLayers.set(layers.size());
    }

    private Map<String, RuntimeEntry> readDisk(LayeredRuntimeConfig.Disk d) {
        Path dir = Path.of(d.symlinkRoot());
        if (!d.subdirectory().isEmpty()) {
            dir = dir.resolve(d.subdirectory());
        }
        if (d.appendServiceCluster()) {
            dir = dir.resolve(serviceCluster);
        }
        if (!Files.isDirectory(dir)) {
            overrideDirNotExists.increment();
            return Map.of();
        }
        overrideDirExists.increment();
        Map<String, RuntimeEntry> out = new LinkedHashMap<>();
        try {
            walk(dir, "", 1, out);
            return out;
        } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
            // As Envoy: a layer that cannot be read is empty, and load_error counts it.
            loadError.increment();
            LOG.log(Level.WARNING, "runtime: cannot read disk layer '" + d.name() + "' at " + dir + ": " + e.getMessage());
            return Map.of();
        }
    }

    private static void walk(Path dir, String prefix, int depth, Map<String, RuntimeEntry> out) throws IOException {
        if (depth > MAX_WALK_DEPTH) {
            throw new IllegalArgumentException("Walk recursion depth exceeded " + MAX_WALK_DEPTH);
        }
        List<Path> children;
        try (Stream<Path> s = Files.list(dir)) {
            children = s.sorted().toList();
        }
        for (Path p : children) {
            String name = p.getFileName().toString();
            String key = prefix.isEmpty() ? name : prefix + "." + name;
            if (Files.isDirectory(p)) {
                walk(p, key, depth + 1, out);
            } else if (Files.isRegularFile(p)) {
                out.put(key, RuntimeEntry.parse(fileValue(Files.readString(p, StandardCharsets.UTF_8))));
            }
        }
    }

    /** Envoy's file value: lines starting with '#' are comments; the last line is right-trimmed. */
    static String fileValue(String text) {
        String[] lines = text.split("\n");
        StringBuilder sb = new StringBuilder();
        List<String> kept = new ArrayList<>();
        for (String line : lines) {
            if (!line.isEmpty() && line.charAt(0) != '#') {
                kept.add(line);
            }
        }
        for (int i = 0; i < kept.size(); i++) {
            sb.append(i == kept.size() - 1 ? kept.get(i).stripTrailing() : kept.get(i) + "\n");
        }
        return sb.toString();
    }
}
