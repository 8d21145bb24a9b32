package io.remora.extensions.filters.istio.stats;

import io.netty.channel.EventLoop;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The series one istio.stats config records into, as istio-proxy's RotatingScope: with
 * {@code rotation_interval} the active scope is replaced by an empty one that often, and the one
 * replaced is dropped {@code graceful_deletion_interval} later, so a series no stream touched since
 * the rotation leaves {@code /stats/prometheus} then, while one still in use goes on with its value.
 * Without rotation, series are held for good.
 */
final class StatsScope {

    private final IstioSeries series;
    private final io.micrometer.core.instrument.MeterRegistry registry;
    private final long rotateMillis;
    private final long deleteMillis;
    private volatile Map<String, Object> active = new ConcurrentHashMap<>();
    /** The replaced scope, until its deletion (touched by the timer's event loop only). */
    private Map<String, Object> draining;
    private volatile boolean rotating;
    private volatile EventLoop loop;

    StatsScope(io.micrometer.core.instrument.MeterRegistry registry, long rotateMillis, long deleteMillis) {
        this.series = IstioSeries.of(registry);
        this.registry = registry;
        this.rotateMillis = rotateMillis;
        this.deleteMillis = deleteMillis;
    }

    /** The series of {@code key} in the active scope, made (or shared with other scopes) on first use. */
    Object get(String key, Supplier<IstioSeries.Made> make) {
        Map<String, Object> scope = active;
        Object m = scope.get(key);
        if (m == null) {
            m = scope.computeIfAbsent(key, k -> series.acquire(k, make));
            if (!rotating) {
                startRotating();
            }
        }
        return m;
    }

    /**
     * Where the rotation runs: the first stream's event loop (istio-proxy's runs on the main
     * thread). It stops while the scopes are empty, so a config no longer in use leaves no timer.
     */
    void rotateOn(EventLoop eventLoop) {
        if (rotateMillis > 0 && loop == null) {
            loop = eventLoop;
        }
    }

    private synchronized void startRotating() {
        if (rotateMillis > 0 && !rotating && loop != null) {
            rotating = true;
            loop.schedule(this::rotate, rotateMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void rotate() {
        Map<String, Object> replaced = active;
        if (draining != null) {
            // a deletion interval not shorter than the rotation's: the older scope goes now
            series.release(draining.keySet(), registry);
            draining = null;
        }
        if (replaced.isEmpty()) {
            rotating = false;
            if (!active.isEmpty()) {
                startRotating(); // a series made while this stopped
            }
            return;
        }
        draining = replaced;
        active = new ConcurrentHashMap<>();
        loop.schedule(() -> {
            if (draining == replaced) {
                series.release(replaced.keySet(), registry);
                draining = null;
            }
        }, deleteMillis, TimeUnit.MILLISECONDS);
        loop.schedule(this::rotate, rotateMillis, TimeUnit.MILLISECONDS);
    }
}
