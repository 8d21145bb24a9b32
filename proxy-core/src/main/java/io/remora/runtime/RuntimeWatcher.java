package io.remora.runtime;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Envoy's runtime watcher: disk layers are re-read when their {@code symlink_root} is replaced by
 * a rename into its directory (the atomic {@code ln -s new tmp && mv -T tmp root} swap Envoy's
 * docs prescribe). Editing files under the current target is not noticed, as in Envoy. Watches
 * the roots' parent directories on a daemon thread; a parent that does not exist is reported once
 * and not watched.
 */
public final class RuntimeWatcher implements AutoCloseable {

    private static final Logger LOG = io.remora.log.Logging.logger("runtime");

    private final WatchService watch;
    private final Thread thread;

    private RuntimeWatcher(WatchService watch, Map<WatchKey, Set<Path>> names, RuntimeLoader loader) {
        this.watch = watch;
        this.thread = new Thread(() -> loop(names, loader), "remora-runtime-watch");
        thread.setDaemon(true);
        thread.start();
    }

    /** Starts watching the loader's disk roots; null when it has none. */
    public static RuntimeWatcher start(RuntimeLoader loader) throws IOException {
        List<Path> roots = loader.diskRoots();
        if (roots.isEmpty()) {
            return null;
        }
        WatchService watch = FileSystems.getDefault().newWatchService();
        Map<WatchKey, Set<Path>> names = new HashMap<>();
        for (Path root : roots) {
            Path abs = root.toAbsolutePath().normalize();
            Path dir = abs.getParent();
            if (dir == null || !dir.toFile().isDirectory()) {
                LOG.warning("runtime: cannot watch disk layer root " + root + ": its directory does not exist");
                continue;
            }
            WatchKey key = dir.register(watch, StandardWatchEventKinds.ENTRY_CREATE);
            names.computeIfAbsent(key, k -> new HashSet<>()).add(abs.getFileName());
        }
        if (names.isEmpty()) {
            watch.close();
            return null;
        }
        return new RuntimeWatcher(watch, names, loader);
    }

    private void loop(Map<WatchKey, Set<Path>> names, RuntimeLoader loader) {
        while (true) {
            WatchKey key;
            try {
                key = watch.take();
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            }
            boolean swapped = false;
            for (WatchEvent<?> event : key.pollEvents()) {
                Set<Path> watched = names.get(key);
                if (event.kind() == StandardWatchEventKinds.OVERFLOW
                        || (watched != null && event.context() instanceof Path p && watched.contains(p))) {
                    swapped = true;
                }
            }
            key.reset();
            if (swapped) {
                LOG.fine("runtime: a disk layer root was replaced; reloading");
                loader.reload();
            }
        }
    }

    @Override
    public void close() {
        try {
            watch.close();
        } catch (IOException e) {
            // closing
        }
        thread.interrupt();
    }
}
