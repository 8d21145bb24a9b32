package io.remora.http.filter;

/**
 * A per-stream HTTP filter instance (Envoy's {@code StreamFilterBase}): a decoder, an encoder, or
 * both ({@link StreamFilter}). Made by its {@link HttpFilterFactory} once per stream.
 */
public interface StreamFilterBase {

    /**
     * The stream is over (complete, reset, or ended by a local reply or timeout): release whatever
     * the filter holds, cancel its timers and its upstream work. Called exactly once per stream,
     * after the last decode/encode call.
     */
    default void onDestroy() {
    }
}
