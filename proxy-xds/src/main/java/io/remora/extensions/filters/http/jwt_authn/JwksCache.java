package io.remora.extensions.filters.http.jwt_authn;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.remora.server.ServerContext;
import io.remora.server.Transport;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One remote provider's key set, shared by every worker. Without {@code async_fetch} the keys are
 * fetched when a request needs them and trusted for {@code cache_duration}; with it they are
 * fetched at creation and refreshed ahead of expiry ({@code failed_refetch_duration} after a
 * failure), so they never expire. Requests needing keys while a fetch is in flight join it rather
 * than each fetching (Envoy's workers fetch one each).
 */
final class JwksCache {

    /** Keys and the {@link System#nanoTime()} they stop being trusted at. */
    private record Entry(JwksKeys keys, long expiresAtNanos) {
    }

    private record Waiter(EventLoop loop, Consumer<JwksKeys> done) {
    }

    /** Async refreshes belong to no request, so they run on a loop of their own (per transport). */
    private static final Map<Transport.Kind, EventLoopGroup> REFRESH_LOOPS = new EnumMap<>(Transport.Kind.class);

    private final RemoteJwksConfig config;
    private final JwksFetcher fetcher;
    /** Told each fetch's outcome (true: keys), for the jwks_fetch_success / jwks_fetch_failed stats. */
    private final Consumer<Boolean> outcomes;
    private volatile Entry entry;
    private final List<Waiter> waiters = new ArrayList<>();
    private boolean fetching;

    JwksCache(RemoteJwksConfig config, ServerContext context, Consumer<Boolean> outcomes) {
        this.config = config;
        this.fetcher = new JwksFetcher(config, context);
        this.outcomes = outcomes;
        if (config.asyncFetch() != null) {
            // Without fast_listener the listener warms until the first fetch ends, well or not (Envoy's init target).
            Runnable firstDone = config.asyncFetch().fastListener() ? () -> { }
                    : context.initTarget("Jwks async fetching url=" + config.uri());
            refresh(new WeakReference<>(this), refreshLoop(context.transport()), firstDone);
        }
    }

    /** The keys if they can be trusted now, else null. */
    JwksKeys fresh() {
        Entry e = entry;
        return e != null && System.nanoTime() - e.expiresAtNanos < 0 ? e.keys : null;
    }

    /**
     * Fetches the keys, or joins the fetch under way; {@code done} runs later on {@code loop} with
     * the keys, or null when the fetch failed. Call on {@code loop}.
     */
    void fetch(EventLoop loop, Consumer<JwksKeys> done) {
        boolean start;
        synchronized (waiters) {
            waiters.add(new Waiter(loop, done));
            start = !fetching;
            fetching = true;
        }
        if (start) {
            fetcher.fetch(loop, this::fetched);
        }
    }

    private void fetched(JwksKeys keys) {
        outcomes.accept(keys != null);
        List<Waiter> done;
        synchronized (waiters) {
            if (keys != null) {
                // The async refresh keeps its keys current, so they never expire on their own.
                long expires = config.asyncFetch() != null ? System.nanoTime() + Long.MAX_VALUE / 2
                        : System.nanoTime() + config.cacheDuration().toNanos();
                entry = new Entry(keys, expires);
            }
            fetching = false;
            done = List.copyOf(waiters);
            waiters.clear();
        }
        // Always a later task, never inline: a waiter may still be inside the call that started the fetch.
        for (Waiter w : done) {
            w.loop.execute(() -> w.done.accept(keys));
        }
    }

    /**
     * One async round and the scheduling of the next. Held weakly: a replaced filter config's
     * cache is dropped by its factory, and its refreshes stop with it.
     */
    private static void refresh(WeakReference<JwksCache> ref, EventLoop loop, Runnable done) {
        loop.execute(() -> {
            JwksCache cache = ref.get();
            if (cache == null) {
                return;
            }
            RemoteJwksConfig c = cache.config;
            cache.fetch(loop, keys -> {
                done.run();
                Duration next = keys != null ? c.goodRefetch() : c.asyncFetch().failedRefetch();
                loop.schedule(() -> refresh(ref, loop, () -> { }), next.toNanos(), TimeUnit.NANOSECONDS);
            });
        });
    }

    private static EventLoop refreshLoop(Transport transport) {
        synchronized (REFRESH_LOOPS) {
            return REFRESH_LOOPS.computeIfAbsent(transport.kind(),
                    k -> transport.newEventLoopGroup(1, "remora-jwks")).next();
        }
    }
}
