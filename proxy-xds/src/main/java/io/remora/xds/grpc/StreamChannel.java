package io.remora.xds.grpc;

import io.grpc.ManagedChannel;

/**
 * Where a long-lived gRPC stream (xDS, LRS) gets its channel each time it opens: one fixed address (a google_grpc
 * target), or a host of an envoy_grpc service's cluster ({@link ClusterChannel}). One caller thread.
 */
public interface StreamChannel extends AutoCloseable {

    /** The channel for the stream about to open; null while there is no host to open it on. */
    ManagedChannel channel();

    /** The stream on the last {@link #channel()} failed: the next one goes to another host when there is one. */
    void streamFailed();

    /** Shuts the channel down. */
    @Override
    void close();

    /** Waits, up to {@code millis}, for the channel to be gone after {@link #close()}. */
    void awaitTermination(long millis) throws InterruptedException;

    /** A channel to one address, the same for every stream; grpc-java's own reconnection does the rest. */
    static StreamChannel fixed(ManagedChannel channel) {
        return new StreamChannel() {
            @Override
            public ManagedChannel channel() {
                return channel;
            }

            @Override
            public void streamFailed() {
            }

            @Override
            public void close() {
                channel.shutdownNow();
            }

            @Override
            public void awaitTermination(long millis) throws InterruptedException {
                channel.awaitTermination(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
            }
        };
    }
}
