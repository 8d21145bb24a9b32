package io.remora.extensions.common.aws;

import io.micrometer.core.instrument.MeterRegistry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Envoy's {@code CredentialsFileCredentialsProvider} over the shared credentials file: one profile's keys,
 * read again every hour (Envoy's REFRESH_INTERVAL), so keys written or rotated in the file reach requests
 * without a config change. A file that is missing or names no keys yields none and the chain goes on.
 * The read happens on the credentials timer, never on a request. One instance per file and profile for
 * the process, so config updates do not pile up timers.
 */
final class CredentialsFileProvider implements AwsCredentialsProvider {

    private static final Map<String, CredentialsFileProvider> SHARED = new ConcurrentHashMap<>();

    private final String file;
    private final String profile;
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile AwsCredentials credentials;

    private CredentialsFileProvider(String file, String profile) {
        this.file = file;
        this.profile = profile;
        read();
    }

    /** The process's provider of {@code profile} in {@code file}, read now (again when already made). */
    static CredentialsFileProvider shared(String file, String profile) {
        CredentialsFileProvider p = SHARED.computeIfAbsent(file + "\n" + profile,
                k -> new CredentialsFileProvider(file, profile));
        p.read(); // a new config sees the file as it is now, as Envoy's new provider would
        return p;
    }

    private void read() {
        AwsCredentials c = AwsProfileFiles.credentials(AwsProfileFiles.read(file), profile);
        credentials = c != null && c.complete() ? c : null;
    }

    @Override
    public AwsCredentials credentials() {
        return credentials;
    }

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
