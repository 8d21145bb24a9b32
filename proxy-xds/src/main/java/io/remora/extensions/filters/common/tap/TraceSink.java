package io.remora.extensions.filters.common.tap;

import io.envoyproxy.envoy.data.tap.v3.TraceWrapper;

/** Where a tap config's traces go. {@link #submit} may be called from any event loop. */
public interface TraceSink {

    /** One finished trace; {@code traceId} tells it apart (the stream's or connection's id). */
    void submit(TraceWrapper trace, long traceId);
}
