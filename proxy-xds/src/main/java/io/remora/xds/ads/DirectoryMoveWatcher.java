package io.remora.xds.ads;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A DataSource's {@code watched_directory}, as Envoy's: an entry moved into the directory (Kubernetes' atomic
 * {@code ..data} symlink swap) runs the actions registered for it, which read their file again. The JDK reports a
 * move-in as ENTRY_CREATE (inotify's IN_MOVED_TO and IN_CREATE both), so a file created in place runs them too,
 * reading the same file once more. One daemon thread for the process; watches last as long as it does, as the
 * providers holding them are shared for the process.
 */
public final class DirectoryMoveWatcher {
    private static final Logger LOG = Logger.getLogger(DirectoryMoveWatcher.class.getName());
    private static final DirectoryMoveWatcher INSTANCE = new DirectoryMoveWatcher();

    private final Map<WatchKey, List<Runnable>> actions = new ConcurrentHashMap<>();
    private WatchService service;

    private DirectoryMoveWatcher() {
    }

    /** Runs {@code action} on the watcher's thread after each move into {@code directory}. */
    public static void watch(Path directory, Runnable action) throws IOException {
        INSTANCE.add(directory.toAbsolutePath().normalize(), action);
    }

    private synchronized void add(Path directory, Runnable action) throws IOException {
        if (service == null) {
            service = FileSystems.getDefault().newWatchService();
            Thread t = new Thread(this::run, "remora-watched-directory");
            t.setDaemon(true);
            t.start();
        }
        WatchKey key = directory.register(service, StandardWatchEventKinds.ENTRY_CREATE);
        actions.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(action);
    }

    private void run() {
        while (true) {
            WatchKey key;
            try {
                key = service.take();
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            }
            boolean moved = !key.pollEvents().isEmpty();
            key.reset();
            if (!moved) {
                continue;
            }
            for (Runnable action : actions.getOrDefault(key, List.of())) {
                try {
                    action.run();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "watched_directory " + key.watchable() + ": reload failed", e);
                }
            }
        }
    }
}
