package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.remora.accesslog.WireBytes;

import java.util.function.IntFunction;

/**
 * Envoy's per-stream HTTP/2 byte meters: every frame of a stream, its 9-byte header and padding
 * included, counts as wire bytes, HEADERS and CONTINUATION frames as header bytes too; frames of
 * the connection (SETTINGS, PING, GOAWAY, stream 0's WINDOW_UPDATE) and METADATA count toward no
 * stream, as Envoy's codec counts them. It reads the frame headers in the bytes passing between
 * the socket and the HTTP/2 handler, both ways, so every frame is seen whoever wrote it.
 *
 * <p>On a connection only when some access log format reads the meters ({@link WireBytes#wanted()})
 * as it was made; a stream of a connection without one is not metered. A frame of a stream the
 * connection has not bound yet (the HEADERS that open it, what came in the same read) waits here
 * until the stream {@link #claim claims} it.
 */
public final class Http2FrameMeter extends ChannelDuplexHandler {
    private static final int FRAME_HEADER = 9;
    private static final int HEADERS = 0x1;
    private static final int CONTINUATION = 0x9;
    private static final int METADATA = 0x4d;
    /** Frames of streams never bound (refused ones) are forgotten past this many. */
    private static final int MAX_WAITING = 32;

    private final boolean downstream;
    private final IntFunction<WireBytes> streams;
    private final Scanner in;
    private final Scanner out;
    // Frames waiting for their stream: id, wire and header bytes each way.
    private int[] ids = new int[4];
    private long[] counts = new long[16];
    private int waiting;

    /**
     * A meter for the {@code downstream} (server) or upstream (client) side of a connection;
     * {@code streams} finds the meters of a stream the connection has bound, or null.
     */
    public Http2FrameMeter(boolean downstream, IntFunction<WireBytes> streams) {
        this.downstream = downstream;
        this.streams = streams;
        // The client's connection preface is no frame.
        this.in = new Scanner(downstream ? 24 : 0, false);
        this.out = new Scanner(downstream ? 0 : 24, true);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf b) {
            in.scan(b);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf b) {
            out.scan(b);
        }
        ctx.write(msg, promise);
    }

    /** The stream {@code id} is bound to {@code meter}: what its frames counted before goes to it. */
    public void claim(int id, WireBytes meter) {
        for (int k = 0; k < waiting; k++) {
            if (ids[k] == id) {
                meter.add(downstream, false, counts[4 * k], counts[4 * k + 1]);
                meter.add(downstream, true, counts[4 * k + 2], counts[4 * k + 3]);
                remove(k);
                return;
            }
        }
    }

    private void frame(int streamId, int type, int bytes, boolean sent) {
        if (streamId == 0 || type == METADATA) {
            return;
        }
        long header = type == HEADERS || type == CONTINUATION ? bytes : 0;
        WireBytes w = streams.apply(streamId);
        if (w != null) {
            w.add(downstream, sent, bytes, header);
            return;
        }
        int k = slot(streamId);
        counts[4 * k + (sent ? 2 : 0)] += bytes;
        counts[4 * k + (sent ? 3 : 1)] += header;
    }


    private int slot(int id) {
        for (int k = 0; k < waiting; k++) {
            if (ids[k] == id) {
                return k;
            }
        }
        if (waiting == MAX_WAITING) {
            remove(0);
        }
        if (waiting == ids.length) {
            ids = java.util.Arrays.copyOf(ids, 2 * waiting);
            counts = java.util.Arrays.copyOf(counts, 8 * waiting);
        }
        ids[waiting] = id;
        java.util.Arrays.fill(counts, 4 * waiting, 4 * waiting + 4, 0);
        return waiting++;
    }

    private void remove(int k) {
        System.arraycopy(ids, k + 1, ids, k, waiting - k - 1);
        System.arraycopy(counts, 4 * (k + 1), counts, 4 * k, 4 * (waiting - k - 1));
        waiting--;
    }

    /** Finds the frame boundaries in one direction's bytes, however they are split into buffers. */
    private final class Scanner {
        private final boolean sent;
        private int skip;
        private final byte[] header = new byte[FRAME_HEADER];
        private int filled;
        private int remaining;
        private int streamId;
        private int type;
        private int length;

        Scanner(int skip, boolean sent) {
            this.skip = skip;
            this.sent = sent;
        }

        void scan(ByteBuf b) {
            int i = b.readerIndex();
            int end = b.writerIndex();
            while (i < end) {
                if (skip > 0) {
                    int n = Math.min(skip, end - i);
                    skip -= n;
                    i += n;
                } else if (filled < FRAME_HEADER) {
                    header[filled++] = b.getByte(i++);
                    if (filled == FRAME_HEADER) {
                        length = (header[0] & 0xff) << 16 | (header[1] & 0xff) << 8 | header[2] & 0xff;
                        type = header[3] & 0xff;
                        streamId = ((header[5] & 0x7f) << 24 | (header[6] & 0xff) << 16 | (header[7] & 0xff) << 8
                                | header[8] & 0xff);
                        remaining = length;
                        if (remaining == 0) {
                            done();
                        }
                    }
                } else {
                    int n = Math.min(remaining, end - i);
                    remaining -= n;
                    i += n;
                    if (remaining == 0) {
                        done();
                    }
                }
            }
        }

        private void done() {
            filled = 0;
            frame(streamId, type, length + FRAME_HEADER, sent);
        }
    }
}
