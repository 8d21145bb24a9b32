package io.remora.stats;

/** A {@code stats_sinks} entry: receives a snapshot every {@code stats_flush_interval}, on the flusher's thread. */
public interface StatsSink extends AutoCloseable {

    void flush(StatsSnapshot snapshot);

    @Override
    default void close() {
    }
}
