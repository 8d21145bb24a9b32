package io.remora.http;

import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.StreamByteDistributor;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Envoy's {@code http2.pending_send_bytes} gauge: DATA bytes the codec holds because the peer's
 * flow-control windows (or the socket) do not take them yet, added when a stream's body is queued and
 * taken off as its frames are written or dropped (Envoy's StreamImpl::encodeDataHelper adds, its
 * data frame source's Send and the stream's destroy subtract).
 *
 * <p>Netty's remote flow controller tells its byte distributor, which this wraps, of every change
 * of a stream's pending bytes, a stream's close included (its queued frames are cancelled), so the
 * gauge follows the difference from the last figure seen for the stream, kept on the stream only
 * once it had bytes queued. DATA written at once ({@link Http2DataWriter}) never waits, and never
 * shows, as in Envoy, where it is added and sent in the same call.
 */
public final class Http2PendingSendBytes implements StreamByteDistributor {
    private final StreamByteDistributor delegate;
    private final Http2Connection.PropertyKey key;
    private final AtomicLong gauge;

    public Http2PendingSendBytes(StreamByteDistributor delegate, Http2Connection connection, AtomicLong gauge) {
        this.delegate = delegate;
        this.key = connection.newKey();
        this.gauge = gauge;
    }

    /** The last pending figure seen for one stream. */
    private static final class Seen {
        long bytes;
    }

    @Override
    public void updateStreamableBytes(StreamState state) {
        delegate.updateStreamableBytes(state);
        long now = state.pendingBytes();
        Seen seen = state.stream().getProperty(key);
        if (seen == null) {
            if (now == 0) {
                return;
            }
            seen = new Seen();
            state.stream().setProperty(key, seen);
        }
        long delta = now - seen.bytes;
        if (delta != 0) {
            seen.bytes = now;
            gauge.addAndGet(delta);
        }
    }

    @Override
    public void updateDependencyTree(int childStreamId, int parentStreamId, short weight, boolean exclusive) {
        delegate.updateDependencyTree(childStreamId, parentStreamId, weight, exclusive);
    }

    @Override
    public boolean distribute(int maxBytes, Writer writer) throws Http2Exception {
        return delegate.distribute(maxBytes, writer);
    }
}
