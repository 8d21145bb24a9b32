package io.remora.extensions.geoip_providers.maxmind;

import java.io.IOException;
import java.lang.ref.WeakReference;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Reloads databases when a file is moved into (or created at) their path, as Envoy's provider
 * watches for {@code MovedTo}; writing into the open file is not a reload (the file is mapped).
 * One daemon thread for every database of the process; databases are held weakly.
 */
public final class MmdbWatcher {
    private static final Logger LOG = Logger.getLogger(MmdbWatcher.class.getName());
    private static final MmdbWatcher INSTANCE = new MmdbWatcher();

    private final List<WeakReference<MaxMindDatabase>> watched = new ArrayList<>();
    private WatchService service;

    private MmdbWatcher() {
    }

    /** Starts watching {@code db}'s file (its directory, for renames into place). */
    public static void watch(MaxMindDatabase db) {
        INSTANCE.add(db);
    }

    private synchronized void add(MaxMindDatabase db) {
        for (WeakReference<MaxMindDatabase> ref : watched) {
            if (ref.get() == db) {
                return;
            }
        }
        try {
            if (service == null) {
                service = FileSystems.getDefault().newWatchService();
                Thread t = new Thread(this::run, "remora-mmdb-watcher");
                t.setDaemon(true);
                t.start();
            }
            db.path().getParent().register(service, StandardWatchEventKinds.ENTRY_CREATE);
            watched.add(new WeakReference<>(db));
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot watch " + db.path() + " for reloads", e);
        }
    }

    private void run() {
        while (true) {
            WatchKey key;
            try {
                key = service.take();
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            }
            Path dir = (Path) key.watchable();
            for (WatchEvent<?> event : key.pollEvents()) {
                if (event.context() instanceof Path name) {
                    changed(dir.resolve(name));
                }
            }
            key.reset();
        }
    }

    private void changed(Path file) {
        List<MaxMindDatabase> due = new ArrayList<>();
        synchronized (this) {
            watched.removeIf(ref -> ref.get() == null);
            for (WeakReference<MaxMindDatabase> ref : watched) {
                MaxMindDatabase db = ref.get();
                if (db != null && db.path().equals(file)) {
                    due.add(db);
                }
            }
        }
        for (MaxMindDatabase db : due) {
            db.reload();
        }
    }
}
