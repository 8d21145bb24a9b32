package io.remora.overload;

/**
 * A filter that keeps request or response body itself (a retry copy, an aggregated body): how many
 * bytes, so {@code reset_high_memory_stream} counts them towards its stream's memory class.
 */
public interface BufferedBytes {
    long bufferedBytes();
}
