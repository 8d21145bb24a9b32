package io.remora.xds.ads;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.WatchEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Envoy's {@code MovedTo} directory watch (a DataSource's {@code watched_directory}, a geoip database's directory):
 * each entry moved into the directory (Kubernetes' atomic {@code ..data} symlink swap, a file renamed into place)
 * is handed to the actions registered for it. The JDK reports a move-in as ENTRY_CREATE (inotify's IN_MOVED_TO and
 * IN_CREATE both), so a file created in place is handed over too. One daemon thread for the process; a watch lasts
 * as long as it does, so its holders are kept for the process (or hold what they reload weakly).
 */
public final class DirectoryMoveWatcher {
    private static final Logger LOG = Logger.getLogger(DirectoryMoveWatcher.class.getName());
    private static final DirectoryMoveWatcher INSTANCE = new DirectoryMoveWatcher();

    /** An action and the directory as its caller named it (one inode may be named two ways). */
    private record Action(Path directory, Consumer<Path> consumer) {
    }

    private final Map<WatchKey, List<Action>> actions = new ConcurrentHashMap<>();
    private WatchService service;

    private DirectoryMoveWatcher() {
    }

    /**
     * Hands each entry moved into {@code directory} (its path: the directory as given, resolved with the entry's
     * name) to {@code action}, on the watcher's thread.
     */
    public static void watch(Path directory, Consumer<Path> action) throws IOException {
        INSTANCE.add(directory, action);
    }

    private synchronized void add(Path directory, Consumer<Path> action) throws IOException {
        if (service == null) {
            service = FileSystems.getDefault().newWatchService();
            Thread t = new Thread(this::run, "remora-watched-directory");
            t.setDaemon(true);
            t.start();
        }
        WatchKey key = directory.register(service, StandardWatchEventKinds.ENTRY_CREATE);
        actions.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(new Action(directory, action));
    }

    private void run() {
        while (true) {
            WatchKey key;
            try {
                key = service.take();
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            }
            List<Path> moved = new ArrayList<>();
            for (WatchEvent<?> event : key.pollEvents()) {
                if (event.context() instanceof Path name) {
                    moved.add(name);
                }
            }
            key.reset();
            for (Path name : moved) {
                for (Action action : actions.getOrDefault(key, List.of())) {
                    run(action.consumer(), action.directory().resolve(name));
                }
            }
        }
    }

    private static void run(Consumer<Path> action, Path entry) {
        try {
            action.accept(entry);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, entry + " moved into place: reload failed", e);
        }
    }
}
