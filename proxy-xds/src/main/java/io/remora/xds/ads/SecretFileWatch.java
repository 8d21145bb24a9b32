package io.remora.xds.ads;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.remora.config.SecretConfig;
import io.remora.tls.SecretManager;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.MessageScan;
import io.remora.xds.translate.SecretTranslator;
import io.remora.xds.translate.TranslationException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import java.util.zip.CRC32;

/**
 * Envoy's SdsApi file watch: a secret delivered by SDS (over xDS or from a file) whose certificate,
 * key, CA or other data source is a {@code filename} is read again when one of those files changes
 * (cert-manager and Kubernetes rotate them in place), and the new secret replaces the old one for
 * new connections. A rewrite that does not translate (a half-written key) keeps the last good
 * secret and is tried again at the next check. Static secrets are read once, as in Envoy.
 */
public final class SecretFileWatch implements AutoCloseable {
    private static final Logger log = Logger.getLogger(SecretFileWatch.class.getName());
    private static final long PERIOD_MS = 1000;

    private record Watched(Secret secret, FieldPath path, Map<Path, Long> files) {
    }

    private final SecretManager manager;
    private final Map<String, Watched> byName = new ConcurrentHashMap<>();
    private Thread thread;
    private volatile boolean closed;

    public SecretFileWatch(SecretManager manager) {
        this.manager = manager;
    }

    /** Watches the files a secret names (it replaces the secret's earlier version); forgets one that names none. */
    public void track(Secret secret, FieldPath path) {
        Map<Path, Long> files = new LinkedHashMap<>();
        collect(secret, files);
        if (files.isEmpty()) {
            byName.remove(secret.getName());
            return;
        }
        files.replaceAll((p, none) -> fingerprint(p));
        byName.put(secret.getName(), new Watched(secret, path, files));
        startOnce();
    }

    public void forget(Collection<String> names) {
        names.forEach(byName::remove);
    }

    /** The names of watched secrets, for tests and /config_dump-like views. */
    Set<String> watched() {
        return Set.copyOf(byName.keySet());
    }

    /** Every DataSource filename in a message, at any depth. */
    private static void collect(Message m, Map<Path, Long> out) {
        MessageScan.forEach(m, DataSource.getDescriptor(), FieldPath.ROOT, (bytes, at) -> {
            try {
                DataSource ds = DataSource.parseFrom(bytes);
                if (ds.getSpecifierCase() == DataSource.SpecifierCase.FILENAME) {
                    out.put(Path.of(ds.getFilename()).toAbsolutePath(), 0L);
                }
            } catch (InvalidProtocolBufferException e) {
                // not one after all
            }
        });
    }

    /** The content's checksum and length; -1 for a file that cannot be read now. */
    private static long fingerprint(Path p) {
        try {
            byte[] b = Files.readAllBytes(p);
            CRC32 crc = new CRC32();
            crc.update(b);
            return crc.getValue() << 31 ^ b.length;
        } catch (IOException e) {
            return -1;
        }
    }

    private synchronized void startOnce() {
        if (thread != null || closed) {
            return;
        }
        thread = new Thread(this::run, "remora-secret-files");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (!closed) {
            try {
                Thread.sleep(PERIOD_MS);
            } catch (InterruptedException e) {
                return;
            }
            check();
        }
    }

    /** One pass: re-reads each secret whose files changed since it was last read. */
    void check() {
        for (Watched w : byName.values()) {
            Map<Path, Long> now = new LinkedHashMap<>();
            boolean changed = false;
            for (Map.Entry<Path, Long> f : w.files().entrySet()) {
                long fp = fingerprint(f.getKey());
                now.put(f.getKey(), fp);
                changed |= fp != f.getValue() && fp != -1;
            }
            if (!changed) {
                continue;
            }
            String name = w.secret().getName();
            SecretConfig updated;
            try {
                updated = SecretTranslator.secret(w.secret(), w.path());
            } catch (TranslationException e) {
                log.warning("secret '" + name + "': its files changed but do not load (" + e.getMessage()
                        + "); keeping the last good secret");
                continue;
            }
            // Only if the secret was not replaced or forgotten meanwhile.
            if (byName.replace(name, w, new Watched(w.secret(), w.path(), now))) {
                manager.put(List.of(updated));
                log.info("secret '" + name + "': reloaded from its changed files");
            }
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (thread != null) {
            thread.interrupt();
        }
    }
}
