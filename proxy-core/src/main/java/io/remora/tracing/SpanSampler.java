package io.remora.tracing;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.StreamInfo;
import io.remora.config.NodeInfo;

/**
 * An OpenTelemetry tracer's {@code sampler}: it decides whether a span is sampled, in place of
 * what the connection manager or the incoming context decided (Envoy's tracer sets the span's
 * sampled flag from the sampler's result).
 */
@FunctionalInterface
public interface SpanSampler {

    /** {@code envoy.tracers.opentelemetry.samplers.always_on}. */
    SpanSampler ALWAYS_ON = (info, requestHeaders, node) -> true;

    /**
     * @param info           the stream's info (null outside a stream)
     * @param requestHeaders the request's headers, as they go upstream
     * @param node           this proxy's node
     */
    boolean sampled(StreamInfo info, Http2Headers requestHeaders, NodeInfo node);
}
