package io.remora.extensions.common.aws;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.stats.StatNames;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Envoy's {@code MetadataCredentialsProviderBase}: credentials fetched over the network and kept
 * fresh by a timer. Pending from creation and again during every refresh, so requests wait for a
 * fetch in flight. A failed fetch leaves no credentials (requests then go unsigned); until the first
 * success it is retried after 2 s, doubling to 32 s. After a success the next refresh comes 5 s
 * before the credentials' expiration, or, when they name none, after an hour less 5 s and up to
 * 30 s of jitter. One instance per endpoint for the process, as Envoy's singletons: every filter
 * config using it shares its fetches. Counters as Envoy's, under
 * {@code aws.metadata_credentials_provider.<Envoy's internal cluster name>.}.
 */
abstract class MetadataCredentialsProvider implements AwsCredentialsProvider {

    static final Duration REFRESH_INTERVAL = Duration.ofHours(1);
    static final Duration REFRESH_GRACE_PERIOD = Duration.ofSeconds(5);
    static final int MAX_CACHE_JITTER_SECONDS = 30;
    static final long FIRST_RETRY_SECONDS = 2;
    static final long MAX_FIRST_RETRY_SECONDS = 32;

    static final ScheduledExecutorService TIMERS = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "remora-aws-credentials");
        t.setDaemon(true);
        return t;
    });
    private static final Map<String, MetadataCredentialsProvider> SHARED = new ConcurrentHashMap<>();
    private static final Logger LOG = Logger.getLogger(MetadataCredentialsProvider.class.getName());

    private final AtomicBoolean started = new AtomicBoolean();
    /** Bound by the first start; until then nothing counts (nothing fetches). */
    private volatile Counter performed;
    private volatile Counter refreshFailed;
    private volatile Counter refreshSucceeded;
    private volatile AwsCredentials credentials;
    private volatile boolean pending = true;
    /** One-shot: run at the next update. Guarded by {@code this}. */
    private final List<Runnable> waiters = new ArrayList<>();
    /** Confined to the fetch in flight, one at a time. */
    private boolean firstRefresh = true;
    private volatile boolean ready;
    private long firstRetrySeconds = FIRST_RETRY_SECONDS;

    /** The process's provider under {@code key}, made by {@code make} the first time. */
    @SuppressWarnings("unchecked")
    static <T extends MetadataCredentialsProvider> T shared(String key, Supplier<T> make) {
        return (T) SHARED.computeIfAbsent(key, k -> make.get());
    }

    /** Starts one refresh; it ends with {@link #succeeded} or {@link #failed}, on any thread. */
    abstract void refresh();

    @Override
    public final AwsCredentials credentials() {
        return credentials;
    }

    @Override
    public final boolean pending() {
        return pending;
    }

    @Override
    public final void start(MeterRegistry stats) {
        if (started.get()) {
            return;
        }
        synchronized (this) {
            if (performed == null) {
                String prefix = "envoy_aws_metadata_credentials_provider_" + StatNames.sanitize(clusterName()) + "_";
                performed = Counter.builder(prefix + "credential_refreshes_performed").register(stats);
                refreshFailed = Counter.builder(prefix + "credential_refreshes_failed").register(stats);
                refreshSucceeded = Counter.builder(prefix + "credential_refreshes_succeeded").register(stats);
                // Envoy's refresh state: 0 until the first success, then 1.
                Gauge.builder(prefix + "metadata_refresh_state", this, p -> p.ready ? 1 : 0).register(stats);
            }
        }
        if (started.compareAndSet(false, true)) {
            TIMERS.execute(this::refreshNow);
        }
    }

    /** The name of the cluster Envoy would fetch through: its stats are named after it. */
    abstract String clusterName();

    /**
     * Runs {@code update} after the next update; at once (here) when nothing is pending, so a
     * fetch that ends while a caller registers never strands it.
     */
    final void onceUpdated(Runnable update) {
        synchronized (this) {
            if (pending) {
                waiters.add(update);
                return;
            }
        }
        update.run();
    }

    private void refreshNow() {
        performed.increment();
        pending = true;
        try {
            refresh();
        } catch (RuntimeException e) {
            failed("refresh failed: " + e);
        }
    }

    /** @param expiration when the credentials stop working, or null when the answer names no time */
    final void succeeded(AwsCredentials c, Instant expiration) {
        firstRefresh = false;
        ready = true;
        refreshSucceeded.increment();
        publish(c);
        Duration next;
        Duration left = expiration == null ? null : Duration.between(Instant.now(), expiration);
        if (left != null && !left.isNegative() && !left.isZero()) {
            if (left.compareTo(REFRESH_GRACE_PERIOD) > 0) {
                next = left.minus(REFRESH_GRACE_PERIOD);
            } else {
                LOG.warning(name() + ": credentials expire within " + REFRESH_GRACE_PERIOD.toSeconds()
                        + " s; refreshing in 1 s");
                next = Duration.ofSeconds(1);
            }
        } else {
            next = cacheDuration();
        }
        TIMERS.schedule(this::refreshNow, next.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** No credentials: requests go unsigned until a later refresh succeeds. */
    final void failed(String why) {
        LOG.warning(name() + ": " + why + "; signing with no credentials until a refresh succeeds");
        refreshFailed.increment();
        publish(null);
        long delayMillis;
        if (firstRefresh) {
            delayMillis = TimeUnit.SECONDS.toMillis(firstRetrySeconds);
            if (firstRetrySeconds < MAX_FIRST_RETRY_SECONDS) {
                firstRetrySeconds *= 2;
            }
        } else {
            delayMillis = cacheDuration().toMillis();
        }
        TIMERS.schedule(this::refreshNow, delayMillis, TimeUnit.MILLISECONDS);
    }

    /** A failed step that the refresh carries on from (IMDSv1 after the token): counted, credentials cleared. */
    final void failedStep(String why) {
        LOG.warning(name() + ": " + why);
        refreshFailed.increment();
        publish(null);
        pending = true;
    }

    private void publish(AwsCredentials c) {
        List<Runnable> run;
        synchronized (this) {
            credentials = c != null && c.complete() ? c : null;
            pending = false;
            run = List.copyOf(waiters);
            waiters.clear();
        }
        for (Runnable r : run) {
            try {
                r.run();
            } catch (RuntimeException e) {
                // A waiter's loop shut down: the others and the refresh timer still matter.
                LOG.fine(() -> name() + ": a waiter failed: " + e);
            }
        }
    }

    private static Duration cacheDuration() {
        return REFRESH_INTERVAL.minus(REFRESH_GRACE_PERIOD)
                .minusSeconds(ThreadLocalRandom.current().nextInt(MAX_CACHE_JITTER_SECONDS));
    }

    abstract String name();

    /** {@code step} for a fetch's answer, a throw in it being a failed refresh rather than a lost one. */
    final Consumer<String> step(Consumer<String> step) {
        return body -> {
            try {
                step.accept(body);
            } catch (RuntimeException e) {
                failed("refresh failed: " + e);
            }
        };
    }

    /** Envoy's getStringFromJsonOrDefault(.., ""): a member that is a string, else empty. */
    static String string(JsonObject o, String name) {
        JsonElement e = o == null ? null : o.get(name);
        return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString() ? e.getAsString() : "";
    }

    /** The body as a JSON object, or null. */
    static JsonObject object(String body) {
        try {
            JsonElement e = JsonParser.parseString(body);
            return e.isJsonObject() ? e.getAsJsonObject() : null;
        } catch (RuntimeException e) {
            return null;
        }
    }
}
