package io.remora.extensions.filters.http.grpc_stats;

import io.netty.buffer.ByteBuf;

/**
 * Counts gRPC messages in a body as it streams past (the 5-byte length-prefixed framing of gRPC
 * over HTTP/2: a flag byte and a 4-byte big-endian length), whatever the chunk boundaries. Reads
 * without consuming.
 */
final class GrpcMessageCounter {

    private long count;
    /** Bytes still to skip in the current message body. */
    private long remaining;
    /** Prefix bytes seen of the next message (0..4), and its length so far. */
    private int prefixSeen;
    private long length;

    /** Feeds one chunk; returns how many messages started in it. */
    long feed(ByteBuf data) {
        long before = count;
        int i = data.readerIndex();
        int end = data.writerIndex();
        while (i < end) {
            if (remaining > 0) {
                int skip = (int) Math.min(remaining, end - i);
                remaining -= skip;
                i += skip;
                continue;
            }
            int b = data.getByte(i++) & 0xff;
            if (prefixSeen == 0) {
                count++; // the flag byte starts a message
                length = 0;
            } else {
                length = (length << 8) | b;
            }
            if (++prefixSeen == 5) {
                prefixSeen = 0;
                remaining = length;
            }
        }
        return count - before;
    }

    long count() {
        return count;
    }
}
