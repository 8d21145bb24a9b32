package io.remora.overload;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Sits before the HTTP/2 frame codec and counts the bytes of header blocks still being received
 * (a HEADERS frame and its CONTINUATIONs up to END_HEADERS, which the codec holds until the block
 * is whole) against the proxy-wide {@link HeaderBudget}, as the HTTP/1.1 guard counts unfinished
 * request heads: past the budget a connection holding more than the allowance is closed before its
 * bytes reach the codec. It reads frame headers only; the codec still validates everything.
 *
 * <p>It also times a header block left unfinished: in Envoy the stream exists from its HEADERS
 * frame, so {@code request_headers_timeout}, the stream idle timeout and {@code request_timeout}
 * run from there; here the codec makes no stream before the block is whole, so the guard arms the
 * earliest of them when a read ends with a block still open (never for blocks that arrive whole)
 * and lets the connection act on expiry, naming the block's stream. A block that spanned reads
 * hands its start to the stream it opens ({@link Timeouts#blockStart}), whose request_timeout is
 * what is left.
 */
public final class Http2HeaderGuard extends ChannelInboundHandlerAdapter {

    /** The header-phase timeouts of the connection, and what it does when one runs out. */
    public interface Timeouts {
        /** request_headers_timeout in nanoseconds; 0 for none. */
        long requestHeadersNanos();

        /** The stream idle timeout in nanoseconds as it applies now (scaled); 0 for none. */
        long streamIdleNanos();

        /** request_timeout in nanoseconds; 0 for none. */
        long requestNanos();

        /**
         * While the codec reads frames: the start of the header block that was left open by the
         * last read (0 when none was), for the stream that block opens.
         */
        void blockStart(long startNanos);

        /** A header block is left open past a read (true), or has ended (false). */
        void phase(boolean open);

        /**
         * {@code which}: {@link #STREAM_IDLE}, {@link #REQUEST_HEADERS} or {@link #REQUEST}, for
         * the block of stream {@code streamId} begun at {@code startNanos}.
         */
        void expired(int which, int streamId, long startNanos);
    }

    /** Which timeout ended a header block. */
    public static final int STREAM_IDLE = 0;
    public static final int REQUEST_HEADERS = 1;
    public static final int REQUEST = 2;

    public static final String NAME = "remora-http2-header-guard";

    private static final int FRAME_HEADER = 9;
    private static final int PREFACE_LENGTH = 24;
    private static final int HEADERS = 0x1;
    private static final int CONTINUATION = 0x9;
    private static final int END_HEADERS = 0x4;

    private final HeaderBudget budget;
    /** Bytes of the client preface still to skip; -1 until the first byte says whether one comes. */
    private int prefaceLeft = -1;
    private final byte[] head = new byte[FRAME_HEADER];
    private int headLength;
    private long payloadLeft;
    /** The payload being read belongs to an unfinished header block. */
    private boolean headerPayload;
    /** The frame being read carries END_HEADERS: the block is whole once its payload is in. */
    private boolean endsBlock;
    private long held;
    private boolean shed;
    private final Timeouts timeouts;
    /** Between a HEADERS frame and the end of its block (END_HEADERS). */
    private boolean blockOpen;
    /** blockOpen as last seen at the end of a read: the phase the timer watches. */
    private boolean phaseOpen;
    private io.remora.util.WorkerTimer.Timeout timer;
    private boolean timerArmed;
    private int firesAs;
    private long blockStartNanos;
    /** The stream the open block's HEADERS frame names. */
    private int blockStream;
    private ChannelHandlerContext ctx;

    public Http2HeaderGuard(HeaderBudget budget) {
        this(budget, null);
    }

    /** @param timeouts the header phase's timeouts, or null not to time it */
    public Http2HeaderGuard(HeaderBudget budget, Timeouts timeouts) {
        this.budget = budget;
        this.timeouts = timeouts;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (shed) {
            io.netty.util.ReferenceCountUtil.release(msg);
            return;
        }
        long spanning = phaseOpen ? blockStartNanos : 0;
        if (msg instanceof ByteBuf b && !scan(b)) {
            // Past the proxy's budget for unfinished headers and holding more than an ordinary
            // header block: the connection goes, its bytes never reach the codec.
            shed = true;
            b.release();
            release();
            cancelTimer();
            ctx.close();
            return;
        }
        if (blockOpen != phaseOpen) {
            phaseOpen = blockOpen;
            if (timeouts != null) {
                timeouts.phase(phaseOpen);
            }
            if (phaseOpen) {
                armTimer(true);
            } else {
                cancelTimer();
            }
        }
        if (spanning != 0 && timeouts != null) {
            timeouts.blockStart(spanning);
            ctx.fireChannelRead(msg);
            timeouts.blockStart(0);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    /**
     * Arms the block's timer: {@code fresh} when the block opens, with the whole timeout (the
     * worker timer keeps one queue per distinct duration, so every block must arm the same one);
     * on a rescale, for what is left of the new timeout since the block's HEADERS frame.
     */
    private void armTimer(boolean fresh) {
        if (timeouts == null || ctx == null) {
            return;
        }
        long delay = timeouts.streamIdleNanos();
        int which = STREAM_IDLE;
        long headers = timeouts.requestHeadersNanos();
        if (headers > 0 && (delay <= 0 || headers <= delay)) {
            delay = headers;
            which = REQUEST_HEADERS;
        }
        long request = timeouts.requestNanos();
        if (request > 0 && (delay <= 0 || request < delay)) {
            delay = request;
            which = REQUEST;
        }
        if (delay > 0) {
            if (timer == null) {
                timer = new io.remora.util.WorkerTimer.Timeout(this::fire);
            }
            firesAs = which;
            timerArmed = true;
            long left = fresh ? delay : delay - (System.nanoTime() - blockStartNanos);
            if (left > 0) {
                io.remora.util.WorkerTimer.of(ctx.executor()).arm(timer, left);
            } else {
                timer.cancel();
                fire();
            }
        }
    }

    /** reduce_timeouts changed strength: an unfinished block is judged by the new stream idle timeout. */
    public void rescale() {
        if (timerArmed && phaseOpen) {
            armTimer(false);
        }
    }

    private void cancelTimer() {
        if (timerArmed) {
            timerArmed = false;
            timer.cancel();
        }
    }

    private void fire() {
        if (timerArmed && phaseOpen && !shed && ctx.channel().isActive()) {
            timerArmed = false;
            timeouts.expired(firesAs, blockStream, blockStartNanos);
        }
    }

    /** Follows the frame layout through {@code b} without consuming it; false to shed the connection. */
    private boolean scan(ByteBuf b) {
        int i = b.readerIndex();
        int end = b.writerIndex();
        while (i < end) {
            if (prefaceLeft < 0) {
                // A frame's first byte is the top of a 24-bit length ('P' would be > 5 MB): only
                // the client preface starts with it.
                prefaceLeft = b.getByte(i) == 'P' ? PREFACE_LENGTH : 0;
            }
            if (prefaceLeft > 0) {
                int n = Math.min(prefaceLeft, end - i);
                prefaceLeft -= n;
                i += n;
            } else if (payloadLeft > 0) {
                int n = (int) Math.min(payloadLeft, end - i);
                payloadLeft -= n;
                i += n;
                if (headerPayload) {
                    if (!budget.reserve(held, n)) {
                        return false;
                    }
                    held += n;
                }
                if (payloadLeft == 0) {
                    frameDone();
                }
            } else {
                head[headLength++] = b.getByte(i++);
                if (headLength == FRAME_HEADER) {
                    headLength = 0;
                    int type = head[3] & 0xff;
                    int flags = head[4] & 0xff;
                    payloadLeft = ((head[0] & 0xffL) << 16) | ((head[1] & 0xffL) << 8) | (head[2] & 0xffL);
                    headerPayload = type == HEADERS || type == CONTINUATION;
                    endsBlock = headerPayload && (flags & END_HEADERS) != 0;
                    if (type == HEADERS) {
                        blockOpen = true;
                        blockStartNanos = System.nanoTime();
                        blockStream = ((head[5] & 0x7f) << 24) | ((head[6] & 0xff) << 16) | ((head[7] & 0xff) << 8)
                                | (head[8] & 0xff);
                    }
                    if (payloadLeft == 0) {
                        frameDone();
                    }
                }
            }
        }
        return true;
    }

    private void frameDone() {
        if (endsBlock) {
            // The block is whole: the codec decodes it now, its bytes are no longer held.
            release();
            blockOpen = false;
        }
        headerPayload = false;
        endsBlock = false;
    }

    private void release() {
        budget.release(held);
        held = 0;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        release();
        cancelTimer();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
        cancelTimer();
    }
}
