package io.remora.stats;

/** A {@code stats_sinks} entry: receives a snapshot every {@code stats_flush_interval}, on the flusher's thread. */
public interface StatsSink extends AutoCloseable {

    void flush(StatsSnapshot snapshot);

    /** Whether this sink sends each histogram sample ({@link StatsSnapshot#samples()}). */
    default boolean wantsSamples() {
        return false;
    }

    @Override
    default void close() {
    }
}
