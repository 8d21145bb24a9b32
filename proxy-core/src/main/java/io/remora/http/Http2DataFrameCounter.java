package io.remora.http;

import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameSizePolicy;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.StreamByteDistributor;

/**
 * Counts the DATA frames a connection sends, for Envoy's WINDOW_UPDATE budget
 * ({@link Http2FloodGuard}): a peer may send a few WINDOW_UPDATEs per DATA frame it received.
 *
 * <p>Two paths send DATA: {@link Http2DataWriter} (through {@link #frameSent()}) and Netty's flow controller, whose byte distributor this wraps: each
 * allocation the distributor hands a stream is written as frames of at most the peer's max frame
 * size, so that is how many are counted. The writer wrapper is one object reused for every
 * distribution (its target is the flow controller's, the same each time), so counting allocates
 * nothing.
 */
public final class Http2DataFrameCounter implements StreamByteDistributor, StreamByteDistributor.Writer {
    private final StreamByteDistributor delegate;
    private Writer target;
    private Http2FrameSizePolicy frameSizes;
    private long frames;

    public Http2DataFrameCounter(StreamByteDistributor delegate) {
        this.delegate = delegate;
    }

    /** The peer's max frame size from here on (the encoder's policy follows its SETTINGS). */
    public void frameSizes(Http2FrameSizePolicy policy) {
        this.frameSizes = policy;
    }

    /** A DATA frame written outside the flow controller. */
    public void frameSent() {
        frames++;
    }

    public long frames() {
        return frames;
    }

    @Override
    public void updateStreamableBytes(StreamState state) {
        delegate.updateStreamableBytes(state);
    }

    @Override
    public void updateDependencyTree(int childStreamId, int parentStreamId, short weight, boolean exclusive) {
        delegate.updateDependencyTree(childStreamId, parentStreamId, weight, exclusive);
    }

    @Override
    public boolean distribute(int maxBytes, Writer writer) throws Http2Exception {
        target = writer;
        return delegate.distribute(maxBytes, this);
    }

    @Override
    public void write(Http2Stream stream, int numBytes) {
        target.write(stream, numBytes);
        int max = frameSizes == null ? Http2CodecUtil.DEFAULT_MAX_FRAME_SIZE : frameSizes.maxFrameSize();
        frames += numBytes <= max ? 1 : (numBytes + max - 1L) / max;
    }
}
