package io.remora.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.netty.channel.MaxMessagesRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.UncheckedBooleanSupplier;

/**
 * Netty's {@code AdaptiveRecvByteBufAllocator} (64 B up, 2 KiB first, the same sizing steps) in
 * one object per channel instead of three, for HTTP connections both ways. Every connection
 * keeps its handle for life, idle or not: Netty's is a handle (56 B), its size calculator (40 B)
 * and a "maybe more data" supplier (16 B); this one is a single 40 B handle that is its own
 * supplier and derives the next size from its index in the size table.
 *
 * <p>Reads stop at 16 KiB, not Netty's 64 KiB: with the heap a sidecar runs (≤ 512 MiB) Netty's
 * adaptive pool is in its low-memory mode, where buffers over 16,896 B are not pooled but a native
 * allocation and release each. A busy HTTP/2 or gRPC upstream connection fills its reads and grew
 * into those sizes: 4 % of the gRPC worker's time went to those one-off buffers. Sixteen reads per readiness event
 * still take up to 256 KiB.
 */
public final class CompactRecvAllocator implements MaxMessagesRecvByteBufAllocator {

    /**
     * Shared by every connection that is not a byte relay (it holds only settings, the per-read state
     * is each channel's handle); 16 reads per readiness event is Netty's default for a socket channel.
     */
    public static final RecvByteBufAllocator SHARED = new CompactRecvAllocator(16);

    private static final int MINIMUM = 64;
    private static final int INITIAL = 2048;
    static final int MAXIMUM = 16384;
    private static final int INDEX_INCREMENT = 4;
    private static final int INDEX_DECREMENT = 1;
    /** Netty's table: 16 to 496 by 16, then powers of two from 512 (up to 16 KiB here). */
    private static final int[] SIZES;
    private static final int MIN_INDEX;
    private static final int MAX_INDEX;
    private static final int INITIAL_INDEX;

    static {
        int n = 0;
        int[] t = new int[64];
        for (int i = 16; i < 512; i += 16) {
            t[n++] = i;
        }
        for (int i = 512; i <= MAXIMUM; i <<= 1) {
            t[n++] = i;
        }
        SIZES = java.util.Arrays.copyOf(t, n);
        MIN_INDEX = java.util.Arrays.binarySearch(SIZES, MINIMUM);
        MAX_INDEX = java.util.Arrays.binarySearch(SIZES, MAXIMUM);
        INITIAL_INDEX = java.util.Arrays.binarySearch(SIZES, INITIAL);
    }

    private volatile int maxMessagesPerRead;

    /** @param maxMessagesPerRead reads per readiness event (Netty's default for a socket channel: 16) */
    CompactRecvAllocator(int maxMessagesPerRead) {
        maxMessagesPerRead(maxMessagesPerRead);
    }

    @Override
    public int maxMessagesPerRead() {
        return maxMessagesPerRead;
    }

    @Override
    public MaxMessagesRecvByteBufAllocator maxMessagesPerRead(int maxMessagesPerRead) {
        if (maxMessagesPerRead <= 0) {
            throw new IllegalArgumentException("maxMessagesPerRead: " + maxMessagesPerRead);
        }
        this.maxMessagesPerRead = maxMessagesPerRead;
        return this;
    }

    @Override
    public Handle newHandle() {
        return new CompactHandle(this);
    }

    /** Netty's MaxMessageHandle and adaptive sizing, as one object. */
    private static final class CompactHandle implements RecvByteBufAllocator.ExtendedHandle, UncheckedBooleanSupplier {
        private final CompactRecvAllocator owner;
        private ChannelConfig config;
        private int totalMessages;
        private int totalBytesRead;
        private int attemptedBytesRead;
        private int lastBytesRead;
        private byte index = (byte) INITIAL_INDEX;
        private boolean decreaseNow;

        CompactHandle(CompactRecvAllocator owner) {
            this.owner = owner;
        }

        @Override
        public ByteBuf allocate(ByteBufAllocator alloc) {
            return alloc.ioBuffer(guess());
        }

        @Override
        public int guess() {
            return SIZES[index];
        }

        @Override
        public void reset(ChannelConfig config) {
            this.config = config;
            totalMessages = totalBytesRead = 0;
        }

        @Override
        public void incMessagesRead(int numMessages) {
            totalMessages += numMessages;
        }

        @Override
        public void lastBytesRead(int bytes) {
            // A read that filled its buffer: the next one may need a bigger one at once.
            if (bytes == attemptedBytesRead) {
                record(bytes);
            }
            lastBytesRead = bytes;
            if (bytes > 0) {
                totalBytesRead += bytes;
            }
        }

        @Override
        public int lastBytesRead() {
            return lastBytesRead;
        }

        @Override
        public void attemptedBytesRead(int bytes) {
            attemptedBytesRead = bytes;
        }

        @Override
        public int attemptedBytesRead() {
            return attemptedBytesRead;
        }

        @Override
        public boolean continueReading() {
            return continueReading(this);
        }

        @Override
        public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
            return config.isAutoRead() && maybeMoreDataSupplier.get()
                    && totalMessages < owner.maxMessagesPerRead && totalBytesRead > 0;
        }

        /** The default "maybe more data": the last read filled what it was given. */
        @Override
        public boolean get() {
            return attemptedBytesRead == lastBytesRead;
        }

        @Override
        public void readComplete() {
            record(totalBytesRead < 0 ? Integer.MAX_VALUE : totalBytesRead);
        }

        // Netty's AdaptiveCalculator.record: shrink one step after two small reads in a row,
        // grow four steps at once after a read as large as the guess.
        private void record(int size) {
            if (size <= SIZES[Math.max(0, index - INDEX_DECREMENT)]) {
                if (decreaseNow) {
                    index = (byte) Math.max(index - INDEX_DECREMENT, MIN_INDEX);
                    decreaseNow = false;
                } else {
                    decreaseNow = true;
                }
            } else if (size >= SIZES[index]) {
                index = (byte) Math.min(index + INDEX_INCREMENT, MAX_INDEX);
                decreaseNow = false;
            }
        }
    }
}
