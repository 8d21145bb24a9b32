package io.remora.stats;

import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;

import java.util.Collections;
import java.util.Iterator;

/**
 * Envoy's text readout: a stat holding a string ({@code control_plane.identifier}, a subscription's
 * {@code version_text}). Registered as a meter of type OTHER so that it shares the meters' names, tags and
 * {@code stats_matcher}; it has no numeric measurement, so sinks and the Prometheus exposition, which Envoy leaves
 * text readouts out of by default, see nothing of it. {@code /stats} prints it first, as Envoy's StatsRequest does.
 */
public final class TextReadout implements Iterable<Measurement> {
    private volatile String value = "";
    private volatile boolean used;

    private TextReadout() {
    }

    /** The text readout of this name and tags, the one already registered if there is one. */
    public static TextReadout register(MeterRegistry registry, String name, Iterable<Tag> tags) {
        TextReadout fresh = new TextReadout();
        Meter m = Meter.builder(name, Meter.Type.OTHER, fresh).tags(tags).register(registry);
        TextReadout existing = of(m);
        // a meter stats_matcher rejects is a no-op without our value: the readout is kept, never printed
        return existing != null ? existing : fresh;
    }

    /** The text readout a meter stands for, or null for any other meter. */
    static TextReadout of(Meter m) {
        return m.getId().getType() == Meter.Type.OTHER && m.measure() instanceof TextReadout t ? t : null;
    }

    public void set(String value) {
        this.value = value;
        used = true;
    }

    public String value() {
        return value;
    }

    /** Set at least once: {@code usedonly} prints it, as Envoy's used flag. */
    boolean used() {
        return used;
    }

    @Override
    public Iterator<Measurement> iterator() {
        return Collections.emptyIterator();
    }
}
