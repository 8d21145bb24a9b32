package io.remora.extensions.filters.common.tap;

import io.envoyproxy.envoy.config.tap.v3.OutputSink;

/**
 * A translated {@code envoy.config.tap.v3.TapConfig}: what to tap and where the traces go.
 *
 * @param match       the compiled match predicate
 * @param bodyMatches its body-match leaves, by index (each stream keeps one search per leaf)
 * @param format      the sink's output format
 * @param sink        where traces go
 * @param maxRxBytes  max_buffered_rx_bytes (request body kept per trace; default 1 KiB)
 * @param maxTxBytes  max_buffered_tx_bytes (response body kept per trace; default 1 KiB)
 * @param streaming   output_config.streaming: a trace is a sequence of segments written as the stream
 *                    goes, once it matches, rather than one message at its end
 */
public record TapSpec(TapPredicate match, java.util.List<TapPredicate.Body> bodyMatches, OutputSink.Format format,
                      Sink sink, int maxRxBytes, int maxTxBytes, boolean streaming) {

    /** Envoy's DefaultMaxBufferedBytes. */
    public static final int DEFAULT_MAX_BUFFERED_BYTES = 1024;

    /** An output sink. */
    public sealed interface Sink {
    }

    /** {@code file_per_tap}: one file per trace, {@code <path_prefix>_<id>.<ext>}. */
    public record FilePerTap(String pathPrefix) implements Sink {
    }

    /** {@code streaming_admin}: each trace is a message of the {@code /tap} admin stream. */
    public record StreamingAdmin() implements Sink {
    }

    /**
     * {@code buffered_admin}: traces are held until {@code maxTraces} are there (or
     * {@code timeoutMillis} passed, 0: never), then sent at once and the admin stream ends.
     */
    public record BufferedAdmin(long maxTraces, long timeoutMillis) implements Sink {
    }
}
