package io.remora.extensions.filters.http.common;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.concurrent.ScheduledFuture;
import io.remora.config.ClusterConfig.UpstreamProtocol;
import io.remora.http.upstream.Cancellable;
import io.remora.http.upstream.ResetReason;
import io.remora.http.upstream.UpstreamStream;
import io.remora.server.ServerContext;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * One request/response exchange with a cluster through the worker's connection pools (the same
 * upstream path, circuit breakers and cluster stats the router uses), with an overall timeout.
 * The answer is whole: headers, body (bounded) and trailers; any failure is a null response.
 * Event-loop confined.
 */
public final class ClusterCall extends ClusterExchange {

    /**
     * What came back; {@code headers} is null when the exchange failed, {@code reset} then the pool's or the
     * stream's reset reason when it was one (null for a timeout, a refusal or an oversized answer).
     */
    public record Response(Http2Headers headers, byte[] body, Http2Headers trailers, String failure,
                           ResetReason reset) {
        public Response(Http2Headers headers, byte[] body, Http2Headers trailers, String failure) {
            this(headers, body, trailers, failure, null);
        }

        public int status() {
            int s = statusOf(headers);
            return s == 0 ? -1 : s;
        }
    }

    /** Answers of control services are small; a larger one is a failed call rather than a memory sink. */
    private static final int MAX_BODY = 1 << 20;

    private final Http2Headers headers;
    private final byte[] body;
    private final Consumer<Response> done;
    /**
     * Whether a try's outcome is retried (the retrying caller's decision, taken here so the host's
     * result is counted as the router counts a retried one); null: never.
     */
    private final Predicate<Response> retried;
    /** A retried call's per-try timeout, armed once the try's stream is ready; null: none. */
    private final Duration perTry;
    private final EventLoop loop;
    private ScheduledFuture<?> timer;
    private Http2Headers responseHeaders;
    /** The answer's headers ended the stream (a trailers-only gRPC answer). */
    private boolean headersEnded;
    private final ByteArrayOutputStream responseBody = new ByteArrayOutputStream();

    private ClusterCall(EventLoop loop, Http2Headers headers, byte[] body, Duration perTry,
                        Predicate<Response> retried, Consumer<Response> done) {
        this.loop = loop;
        this.headers = headers;
        this.body = body;
        this.perTry = perTry;
        this.retried = retried;
        this.done = done;
    }

    /** Starts the exchange; {@code done} may run before this returns (no cluster, no host). */
    public static Cancellable start(EventLoop loop, ServerContext ctx, String clusterName, UpstreamProtocol protocol,
                             Http2Headers headers, byte[] body, Duration timeout, Consumer<Response> done) {
        ClusterCall call = new ClusterCall(loop, headers, body, null, null, done);
        String refused = call.connect(loop, ctx, clusterName, protocol);
        if (refused != null) {
            done.accept(new Response(null, null, null, refused));
            return Cancellable.NOOP;
        }
        if (!call.finished && timeout != null && !timeout.isZero()) {
            call.timer = loop.schedule(call::onTimeout, timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        return call;
    }

    /**
     * One try of a retried call, whose own timeout is its caller's: {@code retried} says, before
     * {@code done} hears it, whether the try's outcome (an answer whole, a failure before the
     * answer) is retried; {@code perTry} (null: none) runs from the try's stream being ready, as
     * Envoy's setupPerTryTimeout. Null when the try ended at once ({@code done} heard it).
     */
    static ClusterCall startTry(EventLoop loop, ServerContext ctx, String clusterName, UpstreamProtocol protocol,
                                Http2Headers headers, byte[] body, Duration perTry, Predicate<Response> retried,
                                Consumer<Response> done) {
        ClusterCall call = new ClusterCall(loop, headers, body, perTry, retried, done);
        String refused = call.connect(loop, ctx, clusterName, protocol);
        if (refused != null) {
            done.accept(new Response(null, null, null, refused));
            return null;
        }
        return call.finished ? null : call;
    }

    private void onTimeout() {
        timer = null;
        if (!finished) {
            countTimeout(responseHeaders == null);
            abandon();
            finish(new Response(null, null, null, "timeout"));
        }
    }

    /**
     * Envoy's UpstreamRequest::onPerTryTimeout: ignored once the answer started (the call's own
     * timeout still runs), else the try is reset and, as Envoy's onPerTryTimeoutCommon, counted as
     * a per-try timeout and retried as a local reset when the caller's policy says so.
     */
    private void onPerTryTimeout() {
        timer = null;
        if (finished || responseHeaders != null) {
            return;
        }
        abandon();
        Response r = new Response(null, null, null, "timeout");
        countPerTryTimeout(decide(r));
        finish(r);
    }

    /**
     * The retried call's own timeout ended this try, as Envoy's onResponseTimeout ends each try
     * still out: its upstream_rq_timeout, the host's rq_timeout, the 504 while awaiting the answer;
     * nothing more is heard.
     */
    void timeOut() {
        if (!finished) {
            countTimeout(responseHeaders == null);
            abandon();
            release();
            stopTimer();
        }
    }

    /** The retrying caller's decision on a try's outcome; false without one. */
    private boolean decide(Response r) {
        return retried != null && retried.test(r);
    }

    @Override
    Http2Headers requestHeaders() {
        return headers;
    }

    @Override
    public void cancel() {
        if (!finished) {
            abandon();
            release();
            stopTimer();
        }
    }

    private void stopTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void finish(Response r) {
        if (finished) {
            return;
        }
        release();
        stopTimer();
        done.accept(r);
    }

    @Override
    void onStream(UpstreamStream s) {
        if (perTry != null) {
            timer = loop.schedule(this::onPerTryTimeout, perTry.toNanos(), TimeUnit.NANOSECONDS);
        }
        boolean hasBody = body != null && body.length > 0;
        s.writeHeaders(headers, !hasBody);
        if (hasBody) {
            s.writeData(io.netty.buffer.Unpooled.wrappedBuffer(body), true);
        }
    }

    @Override
    void onConnectFailure(ResetReason reason, String why) {
        Response r = new Response(null, null, null, why, reason);
        countFailure(reason, decide(r));
        finish(r);
    }

    @Override
    public void onResponseHeaders(Http2Headers h, boolean endStream) {
        if (finished) {
            return;
        }
        responseHeaders = h;
        headersEnded = endStream;
        if (retried == null) {
            countAnswer(h, endStream, false);
        }
        if (endStream) {
            complete(null);
        }
    }

    @Override
    public void onResponseData(ByteBuf data, boolean endStream) {
        try {
            if (finished) {
                return;
            }
            if (responseBody.size() + data.readableBytes() > MAX_BODY) {
                if (retried != null) {
                    countAnswer(responseHeaders, headersEnded, false);
                }
                abandon();
                finish(new Response(null, null, null, "response body over " + MAX_BODY + " bytes"));
                return;
            }
            responseBody.writeBytes(ByteBufUtil.getBytes(data));
        } finally {
            data.release();
        }
        if (endStream) {
            complete(null);
        }
    }

    @Override
    public void onResponseTrailers(Http2Headers trailers) {
        if (!finished) {
            complete(trailers);
        }
    }

    private void complete(Http2Headers trailers) {
        stream = null;
        Response r = new Response(responseHeaders, responseBody.toByteArray(), trailers, null);
        boolean again = false;
        if (retried != null) {
            again = decide(r);
            countAnswer(responseHeaders, headersEnded, again);
        }
        if (!again) {
            countEnd(trailers);
        }
        finish(r);
    }

    @Override
    public void onReset(ResetReason reason) {
        stream = null;
        if (!finished) {
            countRemoteReset();
            Response r = new Response(null, null, null, "upstream reset: " + reason, reason);
            boolean again = false;
            if (responseHeaders == null) {
                again = decide(r);
            } else if (retried != null) {
                // The answer had started: kept, as the router keeps it, whatever a retry would do.
                countAnswer(responseHeaders, headersEnded, false);
            }
            countFailure(reason, again);
            finish(r);
        }
    }

    @Override
    public void onWritabilityChanged(boolean writable) {
        // The request is one small write; nothing to pace.
    }
}
