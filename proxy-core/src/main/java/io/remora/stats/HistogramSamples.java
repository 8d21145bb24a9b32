package io.remora.stats;

import io.micrometer.core.instrument.Meter;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Every value recorded into a histogram, kept until the next stats flush for the sinks that send
 * samples one by one (statsd sends each as a timer, {@code name:12|ms}, as Envoy's sink does on
 * each histogram completion). Off until a sink asks for samples: then recording costs one
 * volatile read. Bounded: past {@link #CAPACITY} samples between two flushes, samples are dropped
 * and counted rather than grow the heap.
 */
public final class HistogramSamples {

    /** The most samples kept between two flushes. */
    public static final int CAPACITY = 100_000;

    /** One recorded value of the histogram {@code id}. */
    public record Sample(Meter.Id id, double value) {
    }

    private volatile boolean enabled;
    private final ConcurrentLinkedQueue<Sample> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final LongAdder dropped = new LongAdder();

    /** From now on samples are kept (a sink that sends them was configured). */
    public void enable() {
        enabled = true;
    }

    public boolean enabled() {
        return enabled;
    }

    void record(Meter.Id id, double value) {
        if (!enabled) {
            return;
        }
        if (size.incrementAndGet() > CAPACITY) {
            size.decrementAndGet();
            dropped.increment();
            return;
        }
        queue.add(new Sample(id, value));
    }

    /** The samples recorded since the previous drain, oldest first. */
    public List<Sample> drain() {
        List<Sample> out = new ArrayList<>(Math.min(size.get(), CAPACITY));
        Sample s;
        while ((s = queue.poll()) != null) {
            size.decrementAndGet();
            out.add(s);
        }
        return out;
    }

    /** Samples dropped because more than {@link #CAPACITY} were recorded between two flushes. */
    public long dropped() {
        return dropped.sum();
    }
}
