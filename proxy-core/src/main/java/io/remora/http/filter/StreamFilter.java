package io.remora.http.filter;

/** A filter on both paths (Envoy's {@code StreamFilter}). */
public interface StreamFilter extends StreamDecoderFilter, StreamEncoderFilter {
}
