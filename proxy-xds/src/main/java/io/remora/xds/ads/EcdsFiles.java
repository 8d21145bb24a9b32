package io.remora.xds.ads;

import com.google.protobuf.util.JsonFormat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Discovered filter configs read from path_config_source files: one watcher per file the running or
 * pending listeners name, each delivering TypedExtensionConfig updates as a file-based xDS source
 * does; a file no listener names any more is let go. Control thread only.
 */
final class EcdsFiles {
    private final JsonFormat.TypeRegistry registry;
    private final Consumer<XdsUpdate> sink;
    private final Map<Path, FileConfigWatcher> watchers = new HashMap<>();
    private Set<String> names = Set.of();
    /** The names each file is read for; read on the watchers' threads too. */
    private volatile Map<Path, Set<String>> byFile = Map.of();

    EcdsFiles(JsonFormat.TypeRegistry registry, Consumer<XdsUpdate> sink) {
        this.registry = registry;
        this.sink = sink;
    }

    /** The resource names read from files: their subscription. */
    Set<String> names() {
        return names;
    }

    void refresh(XdsSnapshot candidate, XdsSnapshot accepted) {
        Map<Path, Set<String>> files = new HashMap<>(EcdsRefs.files(accepted));
        EcdsRefs.files(candidate).forEach((p, n) -> files.merge(p, n, (a, b) -> {
            Set<String> all = new HashSet<>(a);
            all.addAll(b);
            return all;
        }));
        Set<String> all = new HashSet<>();
        files.values().forEach(all::addAll);
        names = Set.copyOf(all);
        byFile = Map.copyOf(files);
        watchers.entrySet().removeIf(e -> {
            if (files.containsKey(e.getKey())) {
                return false;
            }
            e.getValue().close();
            return true;
        });
        for (Path p : files.keySet()) {
            if (!watchers.containsKey(p)) {
                FileConfigWatcher w = new FileConfigWatcher(p, XdsResourceType.EXTENSION_CONFIG, registry,
                        u -> sink.accept(named(u, p)));
                watchers.put(p, w);
                w.start();
            }
        }
    }

    /**
     * A file's one config must be named as a filter reading the file asks: FilterConfigSubscription::onConfigUpdate
     * refuses any other name ({@code Unexpected resource name in ExtensionConfigDS response: <name>}), which the
     * file would otherwise give to another filter's subscription or to none.
     */
    private XdsUpdate named(XdsUpdate u, Path file) {
        if (u.error() != null || u.resources().size() != 1 || u.listed() != 1) {
            return u;
        }
        String name = u.resources().keySet().iterator().next();
        if (byFile.getOrDefault(file, Set.of()).contains(name)) {
            return u;
        }
        return new XdsUpdate(u.type(), u.nonce(), u.versionInfo(), Map.of(), Set.of(), false,
                "Unexpected resource name in ExtensionConfigDS response: " + name);
    }

    void close() {
        watchers.values().forEach(FileConfigWatcher::close);
        watchers.clear();
    }
}
