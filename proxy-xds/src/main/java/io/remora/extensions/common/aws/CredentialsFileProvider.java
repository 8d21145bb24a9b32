package io.remora.extensions.common.aws;

import io.micrometer.core.instrument.MeterRegistry;
import io.remora.xds.ads.DirectoryMoveWatcher;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * Envoy's {@code CredentialsFileCredentialsProvider} over a credentials file: one profile's keys. The shared
 * credentials file is read again every hour (Envoy's REFRESH_INTERVAL), so keys written or rotated in the file
 * reach requests without a config change; a file that is missing or names no keys yields none and the chain goes
 * on. A {@code credentials_data_source} file with a {@code watched_directory} is read again when an entry is moved
 * into that directory (Envoy's DataSourceProvider), and a read that fails keeps the keys it had. The reads happen
 * on the credentials timer or the watcher's thread, never on a request. One instance per file and profile for the
 * process, so config updates do not pile up timers or watches.
 */
final class CredentialsFileProvider implements AwsCredentialsProvider {

    private static final Logger LOG = Logger.getLogger(CredentialsFileProvider.class.getName());
    private static final Map<String, CredentialsFileProvider> SHARED = new ConcurrentHashMap<>();

    private final String file;
    private final String profile;
    /** The watched_directory of a data source; null for the shared credentials file. */
    private final Path watchedDirectory;
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile AwsCredentials credentials;

    private CredentialsFileProvider(String file, String profile, Path watchedDirectory) {
        this.file = file;
        this.profile = profile;
        this.watchedDirectory = watchedDirectory;
        read();
    }

    /** The process's provider of {@code profile} in {@code file}, read now (again when already made). */
    static CredentialsFileProvider shared(String file, String profile) {
        return shared(file, profile, null);
    }

    /**
     * As {@link #shared(String, String)} for a data source's file, read again on each move into {@code directory}
     * from now on. A directory that cannot be watched throws, as Envoy's DataSourceProvider fails to build then.
     */
    static CredentialsFileProvider watched(String file, String profile, Path directory) throws IOException {
        CredentialsFileProvider p = shared(file, profile, directory);
        if (p.started.compareAndSet(false, true)) {
            try {
                DirectoryMoveWatcher.watch(directory, moved -> p.read());
            } catch (IOException e) {
                p.started.set(false);
                throw e;
            }
        }
        return p;
    }

    private static CredentialsFileProvider shared(String file, String profile, Path directory) {
        CredentialsFileProvider p = SHARED.computeIfAbsent(file + "\n" + profile + "\n" + directory,
                k -> new CredentialsFileProvider(file, profile, directory));
        p.read(); // a new config sees the file as it is now, as Envoy's new provider would
        return p;
    }

    private void read() {
        String text = AwsProfileFiles.read(file);
        if (watchedDirectory != null && (text == null || text.isEmpty())) {
            LOG.warning("AWS credentials data source: failed to read file " + file + "; keeping its last keys");
            return;
        }
        AwsCredentials c = AwsProfileFiles.credentials(text, profile);
        credentials = c != null && c.complete() ? c : null;
    }

    @Override
    public AwsCredentials credentials() {
        return credentials;
    }

    /** The shared file's hourly re-read (a watched data source is watched from {@link #watched} on). */
    @Override
    public void start(MeterRegistry stats) {
        if (started.compareAndSet(false, true)) {
            long every = MetadataCredentialsProvider.REFRESH_INTERVAL.toMillis();
            MetadataCredentialsProvider.TIMERS.scheduleWithFixedDelay(this::read, every, every, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public String toString() {
        return "credentials file " + file + " [" + profile + "]";
    }
}
