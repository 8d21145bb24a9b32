package io.remora.extensions.geoip_providers.maxmind;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.lang.ref.WeakReference;

/**
 * One configured database file ({@code city_db}, {@code isp_db}, {@code anon_db}, {@code asn_db})
 * and the reader lookups use. Envoy re-opens the file when one is moved into its place; a file
 * that does not open then leaves the previous one serving. Equal when the kind and path are, so a
 * re-translated config that names the same files compares equal.
 */
public final class MaxMindDatabase {
    private static final Logger LOG = Logger.getLogger(MaxMindDatabase.class.getName());

    private final String kind;
    private final Path path;
    private volatile MmdbReader reader;
    /** Told the outcome of each reload (true: success); weakly held, a dropped filter config goes. */
    private final List<WeakReference<Consumer<Boolean>>> reloadListeners = new CopyOnWriteArrayList<>();

    private MaxMindDatabase(String kind, Path path, MmdbReader reader) {
        this.kind = kind;
        this.path = path;
        this.reader = reader;
    }

    /** Opens and checks the file; the message of a failure is Envoy's "Unable to open Maxmind database file". */
    public static MaxMindDatabase open(String kind, Path path) throws MmdbException {
        try {
            return new MaxMindDatabase(kind, path.toAbsolutePath(), MmdbReader.open(path));
        } catch (IOException | MmdbException e) {
            throw new MmdbException("Unable to open Maxmind database file " + path + ". Error " + e.getMessage());
        }
    }

    /** {@code city_db}, {@code isp_db}, {@code anon_db} or {@code asn_db}: its stats' scope. */
    public String kind() {
        return kind;
    }

    public Path path() {
        return path;
    }

    public MmdbReader reader() {
        return reader;
    }

    public void addReloadListener(Consumer<Boolean> listener) {
        reloadListeners.add(new WeakReference<>(listener));
    }

    /** Opens the file again; on success lookups use it from now on, else the old one stays. */
    void reload() {
        boolean ok;
        try {
            reader = MmdbReader.open(path);
            ok = true;
            LOG.info("Loaded Maxmind database " + kind + " from file " + path + ".");
        } catch (IOException | MmdbException e) {
            ok = false;
            LOG.log(Level.SEVERE, "Failed to reload Maxmind database " + kind + ": " + e.getMessage());
        }
        for (WeakReference<Consumer<Boolean>> ref : reloadListeners) {
            Consumer<Boolean> l = ref.get();
            if (l == null) {
                reloadListeners.remove(ref);
            } else {
                l.accept(ok);
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MaxMindDatabase d && d.kind.equals(kind) && d.path.equals(path);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, path);
    }

    @Override
    public String toString() {
        return kind + ":" + path;
    }
}
