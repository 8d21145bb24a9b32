package io.remora.extensions.geoip_providers.maxmind;

import io.remora.xds.ads.DirectoryMoveWatcher;

import java.io.IOException;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Reloads databases when a file is moved into (or created at) their path, as Envoy's provider
 * watches for {@code MovedTo} ({@link DirectoryMoveWatcher}); writing into the open file is not a
 * reload (the file is mapped). Databases are held weakly: a config that no longer names one lets it go.
 */
public final class MmdbWatcher {
    private static final Logger LOG = Logger.getLogger(MmdbWatcher.class.getName());
    private static final MmdbWatcher INSTANCE = new MmdbWatcher();

    private final List<WeakReference<MaxMindDatabase>> watched = new ArrayList<>();
    /** The directories handed to the directory watcher, each once. */
    private final Set<Path> directories = new HashSet<>();

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
        Path dir = db.path().getParent();
        try {
            if (directories.add(dir)) {
                DirectoryMoveWatcher.watch(dir, this::changed);
            }
            watched.add(new WeakReference<>(db));
        } catch (IOException e) {
            directories.remove(dir);
            LOG.log(Level.WARNING, "cannot watch " + db.path() + " for reloads", e);
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
