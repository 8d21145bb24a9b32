package io.remora.extensions.filters.http.common;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.concurrent.ScheduledFuture;
import io.remora.config.ClusterConfig.UpstreamProtocol;
import io.remora.config.RetryPolicy;
import io.remora.http.router.RetryState;
import io.remora.http.upstream.ResetReason;
import io.remora.http.upstream.UpstreamStream;
import io.remora.server.ServerContext;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * A bidirectional gRPC stream to a cluster over HTTP/2, through the same pools as
 * {@link ClusterCall}: messages go out as DATA when {@link #send} is called (queued until the pool
 * hands out the stream), answers are deframed as they arrive and handed over one message at a
 * time, and the call ends once, with the gRPC status of its trailers or of what went wrong.
 * Under its service's retry policy, a stream that fails before its answer starts (a refused or reset stream, a
 * connect failure, a trailers-only status that retry_on names) is opened again after the back-off and sent what it
 * had been sent, as Envoy's router replays an async stream's buffered body ({@link CallRetries}).
 * Callbacks never run inside {@link #open} or {@link #send}. Event-loop confined.
 */
public final class GrpcClusterStream extends ClusterExchange {

    /** What the stream tells its owner, on the event loop. */
    public interface Listener {
        /** One response message; the buffer is only valid during the call. */
        void onMessage(ByteBuf message);

        /** The call is over: {@code status} 0 is OK; nothing follows. */
        void onClose(int status, String message);
    }

    public static final int UNKNOWN = 2;
    public static final int INTERNAL = 13;
    public static final int UNAVAILABLE = 14;
    private static final int RESOURCE_EXHAUSTED = 8;
    /** grpc-java's default receive limit, when envoy_grpc.max_receive_message_length sets none. */
    private static final int MAX_MESSAGE = 4 << 20;

    private final Http2Headers headers;
    private final Listener listener;
    private final int maxMessage;
    /** Framed messages (and the end marker, an empty buffer) written before the stream was ready. */
    private final ArrayDeque<ByteBuf> queued = new ArrayDeque<>(2);
    private boolean halfClosed;
    private CompositeByteBuf inbound;
    /** Null without a retry policy, and once the answer has started (nothing is retried then). */
    private CallRetries retries;
    /** What was sent, framed, kept to send again while a retry may still come; null without retries. */
    private ArrayDeque<ByteBuf> replay;
    private EventLoop loop;
    private ServerContext ctx;
    private String cluster;
    private ScheduledFuture<?> backoffTimer;

    private GrpcClusterStream(Http2Headers headers, Listener listener, int maxMessage) {
        this.headers = headers;
        this.listener = listener;
        this.maxMessage = maxMessage > 0 ? maxMessage : MAX_MESSAGE;
    }

    /**
     * Starts the call; a refusal (no cluster, no host, overflow) closes it UNAVAILABLE on a later turn.
     *
     * @param maxMessage the longest answer taken (envoy_grpc.max_receive_message_length); 0: 4 MiB
     */
    public static GrpcClusterStream open(EventLoop loop, ServerContext ctx, String cluster, Http2Headers headers,
                                         Listener listener, int maxMessage) {
        return open(loop, ctx, cluster, headers, listener, maxMessage, null);
    }

    /** As above, retried by the gRPC service's {@code retry_policy} when it is not null. */
    public static GrpcClusterStream open(EventLoop loop, ServerContext ctx, String cluster, Http2Headers headers,
                                         Listener listener, int maxMessage, RetryPolicy retry) {
        GrpcClusterStream s = new GrpcClusterStream(headers, listener, maxMessage);
        RetryState state = retry == null ? null : RetryState.create(retry, headers);
        if (state != null) {
            s.retries = new CallRetries(state, ctx, cluster);
            s.replay = new ArrayDeque<>(2);
            s.loop = loop;
            s.ctx = ctx;
            s.cluster = cluster;
        }
        String refused = s.connect(loop, ctx, cluster, UpstreamProtocol.HTTP2);
        if (refused != null) {
            loop.execute(() -> s.close(UNAVAILABLE, refused));
        }
        return s;
    }

    /** Sends one message (framed here). */
    public void send(byte[] message) {
        if (finished || halfClosed) {
            return;
        }
        write(Unpooled.wrappedBuffer(GrpcCalls.frame(message)), false);
    }

    /** Ends the request side; the answers still arrive until the peer ends its side. */
    public void halfClose() {
        if (finished || halfClosed) {
            return;
        }
        halfClosed = true;
        write(Unpooled.EMPTY_BUFFER, true);
    }

    private void write(ByteBuf data, boolean end) {
        if (replay != null && !end) {
            replay.add(data.retainedDuplicate());
        }
        if (stream == null) {
            queued.add(data);
        } else {
            stream.writeData(data, end);
        }
    }

    @Override
    void onStream(UpstreamStream s) {
        s.writeHeaders(headers, false);
        while (!queued.isEmpty()) {
            ByteBuf b = queued.poll();
            s.writeData(b, b == Unpooled.EMPTY_BUFFER && halfClosed);
        }
    }

    /** Abandons the call (RST_STREAM); no callbacks follow. */
    @Override
    public void cancel() {
        if (!finished) {
            abandon();
            end();
        }
    }

    private void end() {
        release();
        stopRetrying();
        if (backoffTimer != null) {
            backoffTimer.cancel(false);
            backoffTimer = null;
        }
        queued.forEach(ByteBuf::release);
        queued.clear();
        if (inbound != null) {
            inbound.release();
            inbound = null;
        }
    }

    private void close(int status, String message) {
        if (finished) {
            return;
        }
        end();
        listener.onClose(status, message);
    }

    @Override
    void onConnectFailure(ResetReason reason, String why) {
        long wait = admit(retries != null && retries.state.wouldRetry(reason));
        countFailure(reason, wait >= 0);
        if (!retried(wait)) {
            close(UNAVAILABLE, why);
        }
    }

    @Override
    Http2Headers requestHeaders() {
        return headers;
    }

    /** The answer started, or the call is over: no retry can come, so nothing is kept to send again. */
    private void stopRetrying() {
        if (retries != null) {
            retries.release();
            retries = null;
            replay.forEach(ByteBuf::release);
            replay = null;
        }
    }

    /** The wait before a retry when the policy wanted one ({@code wanted}) and one is left; -1: none. */
    private long admit(boolean wanted) {
        return wanted ? retries.admit() : -1;
    }

    /**
     * Retries the failed try when {@link #admit} let it ({@code wait} not negative): the try is let go and, after
     * the back-off, the stream is opened again and sent what it had been. False: the caller ends the call.
     */
    private boolean retried(long wait) {
        if (wait < 0) {
            return false;
        }
        stream = null;
        releaseTry();
        queued.forEach(ByteBuf::release);
        queued.clear();
        for (ByteBuf b : replay) {
            queued.add(b.retainedDuplicate());
        }
        if (halfClosed) {
            queued.add(Unpooled.EMPTY_BUFFER);
        }
        backoffTimer = loop.schedule(this::reopen, wait, TimeUnit.MILLISECONDS);
        return true;
    }

    private void reopen() {
        backoffTimer = null;
        if (finished) {
            return;
        }
        String refused = connect(loop, ctx, cluster, UpstreamProtocol.HTTP2);
        if (refused != null) {
            close(UNAVAILABLE, refused);
        }
    }

    @Override
    public void onResponseHeaders(Http2Headers h, boolean endStream) {
        if (finished) {
            return;
        }
        int http = statusOf(h);
        if (retries != null) {
            if ((http != 200 || endStream) && retries.state.wouldRetry(http, h, endStream)) {
                long wait = admit(true);
                countAnswer(h, endStream, wait >= 0);
                abandonIfOpen(endStream);
                if (retried(wait)) {
                    return;
                }
            } else {
                countAnswer(h, endStream, false);
                if (http == 200 && !endStream) {
                    retries.succeeded();
                }
            }
            stopRetrying();
        } else {
            countAnswer(h, endStream, false);
        }
        if (http != 200) {
            abandonIfOpen(endStream);
            close(fromHttp(http), "HTTP status " + http);
        } else if (endStream) {
            // Trailers-only: the status is in the headers.
            stream = null;
            closeWith(h);
        }
    }

    private void abandonIfOpen(boolean endStream) {
        if (endStream) {
            stream = null;
        } else {
            abandon();
        }
    }

    @Override
    public void onResponseData(ByteBuf data, boolean endStream) {
        if (finished) {
            data.release();
            return;
        }
        if (inbound == null) {
            inbound = data.alloc().compositeBuffer();
        }
        inbound.addComponent(true, data);
        while (!finished && inbound.readableBytes() >= 5) {
            int at = inbound.readerIndex();
            int len = inbound.getInt(at + 1);
            if (inbound.getByte(at) != 0 || len < 0 || len > maxMessage) {
                abandonIfOpen(endStream);
                close(inbound.getByte(at) != 0 ? INTERNAL : RESOURCE_EXHAUSTED,
                        inbound.getByte(at) != 0 ? "compressed message" : "message over " + maxMessage + " bytes");
                return;
            }
            if (inbound.readableBytes() < 5 + len) {
                break;
            }
            ByteBuf message = inbound.retainedSlice(at + 5, len);
            inbound.skipBytes(5 + len);
            try {
                listener.onMessage(message);
            } finally {
                message.release();
            }
        }
        if (inbound != null) {
            inbound.discardReadComponents();
        }
        if (endStream && !finished) {
            stream = null;
            countEnd(null);
            close(INTERNAL, "stream ended without trailers");
        }
    }

    @Override
    public void onResponseTrailers(Http2Headers trailers) {
        stream = null;
        if (!finished) {
            countEnd(trailers);
            closeWith(trailers);
        }
    }

    private void closeWith(Http2Headers h) {
        CharSequence gs = h.get("grpc-status");
        CharSequence msg = h.get("grpc-message");
        int status;
        try {
            status = gs == null ? UNKNOWN : Integer.parseInt(gs.toString().trim());
        } catch (NumberFormatException e) {
            status = UNKNOWN;
        }
        close(status, msg == null ? "" : msg.toString());
    }

    @Override
    public void onReset(ResetReason reason) {
        stream = null;
        if (!finished) {
            countRemoteReset();
            long wait = admit(retries != null && retries.state.wouldRetry(reason));
            countFailure(reason, wait >= 0);
            if (!retried(wait)) {
                close(UNAVAILABLE, "upstream reset: " + reason);
            }
        }
    }

    @Override
    public void onWritabilityChanged(boolean writable) {
        // One message is outstanding at a time; nothing to pace.
    }

    /** The gRPC status of a non-200 answer, as gRPC's HTTP mapping has it. */
    static int fromHttp(int http) {
        return switch (http) {
            case 400 -> INTERNAL;
            case 401 -> 16;
            case 403 -> 7;
            case 404 -> 12;
            case 429, 502, 503, 504 -> UNAVAILABLE;
            default -> UNKNOWN;
        };
    }
}
