package io.remora.http;

import io.remora.config.OverloadManagerConfig.TimerType;
import io.remora.overload.HeaderBudget;

import io.remora.util.WorkerTimer;

/**
 * Watches each request's header phase, from its first byte to the end of its headers, which
 * the parser does not time: the bytes count against the proxy-wide {@link HeaderBudget} (a
 * connection past it is shed), and the phase is timed by {@code request_headers_timeout}, the
 * stream idle timeout and {@code request_timeout}, which in Envoy run from the first byte of a
 * request (its stream exists from then), not from its completed headers. The decoder ({@link Http1RequestDecoder}) shows it every read before decoding it: no
 * pipeline stage of its own.
 *
 * <p>A connection holds a guard only from the first byte of a request to the end of the request
 * ({@link #acquire}, {@link #release}): between requests a guard has nothing to remember, so an
 * idle keep-alive connection keeps none. Guards are reused from a free list of the worker's, so a
 * request allocates none either.
 */
final class Http1HeaderGuard extends WorkerTimer.Timeout {

    /** What the codec ({@link ConnectionContext#codec}) does when the header phase runs out of time. */
    interface Timeout {
        /** {@code which}: {@link #STREAM_IDLE}, {@link #REQUEST_HEADERS} or {@link #REQUEST}. */
        void onHeaderPhaseTimeout(int which);
    }

    /** Which timeout ended a header phase. */
    static final int STREAM_IDLE = 0;
    static final int REQUEST_HEADERS = 1;
    static final int REQUEST = 2;

    /** Free guards of the worker whose thread this is: a few, for the heads in progress at once. */
    private static final io.netty.util.concurrent.FastThreadLocal<java.util.ArrayDeque<Http1HeaderGuard>> FREE =
            new io.netty.util.concurrent.FastThreadLocal<>() {
                @Override
                protected java.util.ArrayDeque<Http1HeaderGuard> initialValue() {
                    return new java.util.ArrayDeque<>();
                }
            };
    /** A burst of slow heads (thousands of connections mid-head) is not kept once it is over. */
    static final int MAX_FREE = 256;

    private ConnectionContext cx;
    // No fields for the budget and the codec to tell (the connection has them): every
    // connection keeps its guard while idle, and two references less take it down a size class.
    private boolean awaitingHeaders = true;
    private long held;
    private boolean phaseStarted;
    // The worker's timer: no scheduled task per request head. The guard is its own timeout
    // ({@link #fire}): every connection keeps its guard while idle, and one object is 16 B less
    // than a guard and a timeout.
    private byte firesAs;
    /** The phase started in the read being parsed; its timer is armed after the read, if it still runs. */
    private boolean armAfterRead;
    private long phaseStartNanos;

    private Http1HeaderGuard() {
    }

    /** A guard for {@code cx}'s request, from the worker's free list when it has one. */
    static Http1HeaderGuard acquire(ConnectionContext cx) {
        Http1HeaderGuard g = FREE.get().pollFirst();
        if (g == null) {
            g = new Http1HeaderGuard();
        }
        g.cx = cx;
        return g;
    }

    /** Free guards of the calling worker (tests: on the worker's thread). */
    static int freeOnThisWorker() {
        return FREE.get().size();
    }

    /**
     * Whether the guard is back where a connection starts: awaiting a head, nothing held, no
     * timer. Only then may it be {@link #release released}.
     */
    boolean idle() {
        return awaitingHeaders && !phaseStarted && held == 0 && !armAfterRead && !isArmed();
    }

    /** Gives the guard back to the worker's free list; it must be {@link #stop stopped} or {@link #idle}. */
    void release() {
        cx = null;
        awaitingHeaders = true;
        phaseStarted = false;
        firesAs = STREAM_IDLE;
        java.util.ArrayDeque<Http1HeaderGuard> free = FREE.get();
        if (free.size() < MAX_FREE) {
            free.addFirst(this);
        }
    }

    private HeaderBudget budget() {
        return cx.hcm.overload.headerBudget();
    }

    /**
     * {@code n} bytes read (or waiting to be parsed), before they are parsed; false when they take the proxy past its budget for
     * unfinished headers: this connection holds more than an ordinary request head, so it goes
     * (the caller drops the bytes and closes it).
     */
    boolean admit(int n) {
        if (awaitingHeaders && n > 0) {
            if (!budget().reserve(held, n)) {
                releaseBudget();
                return false;
            }
            held += n;
            if (!phaseStarted) {
                phaseStarted = true;
                cx.headerPhase = true;
                phaseStartNanos = System.nanoTime();
                // Not armed yet: most heads end in the read that starts them, and a timer armed
                // and cancelled within one read (nothing can fire in between) costs a clock read
                // and a queue insert and unlink per request.
                armAfterRead = true;
            }
        }
        return true;
    }

    /**
     * The read that started a header phase was parsed: a head still unfinished gets its timer, for
     * the whole timeout (the worker timer keeps one queue per duration), so it fires later than the
     * first byte by the time one read took to parse, as it fires late by the loop's own delays.
     */
    void readDone() {
        if (armAfterRead) {
            armAfterRead = false;
            if (phaseStarted) {
                armTimer(true);
            }
        }
    }

    /** The decoder produced the request's head: its bytes are no longer held, its timers stop. */
    void headersComplete() {
        cx.headerPhaseStartNanos = phaseStarted ? phaseStartNanos : 0;
        armAfterRead = false;
        awaitingHeaders = false;
        phaseStarted = false;
        cx.headerPhase = false;
        releaseBudget();
        cancelTimer();
    }

    /** The request ended: the next bytes start the next request's head. */
    void requestComplete() {
        awaitingHeaders = true;
    }

    /**
     * Arms the phase's timer: {@code fresh} at its first byte, with the whole timeout (the worker
     * timer keeps one queue per distinct duration, so every head must arm the same one); on a
     * rescale, for what is left of the new timeout since the first byte.
     */
    private void armTimer(boolean fresh) {
        long delay = cx.hcm.overload.scaledTimeoutNanos(TimerType.HTTP_DOWNSTREAM_STREAM_IDLE,
                cx.hcm.streamIdleTimeoutNanos);
        int which = STREAM_IDLE;
        long headers = cx.hcm.requestHeadersTimeoutNanos;
        if (headers > 0 && (delay <= 0 || headers <= delay)) {
            delay = headers;
            which = REQUEST_HEADERS;
        }
        long request = cx.hcm.requestTimeoutNanos;
        if (request > 0 && (delay <= 0 || request < delay)) {
            delay = request;
            which = REQUEST;
        }
        if (delay > 0) {
            firesAs = (byte) which;
            long left = fresh ? delay : delay - (System.nanoTime() - phaseStartNanos);
            if (left > 0) {
                WorkerTimer.of(cx.channel.eventLoop()).arm(this, left);
            } else {
                cancelTimer();
                fire();
            }
        }
    }

    /** reduce_timeouts changed strength: a running header phase is judged by the new stream idle timeout. */
    void rescale() {
        if (phaseStarted && isArmed()) {
            armTimer(false);
        }
    }

    /** The header phase's timer ran out. */
    @Override
    protected void fire() {
        ConnectionContext c = cx; // the reply may close the connection, which frees this guard
        if (phaseStarted && c.codec instanceof Timeout timeout && c.channel.isActive()) {
            if (firesAs == REQUEST_HEADERS) {
                c.hcm.stats.downstreamRqHeaderTimeout.increment();
            }
            c.headerPhaseStartNanos = phaseStartNanos; // the 408's stream began at the first byte
            timeout.onHeaderPhaseTimeout(firesAs);
            c.headerPhaseStartNanos = 0;
        }
    }

    private void cancelTimer() {
        cancel();
    }

    private void releaseBudget() {
        budget().release(held);
        held = 0;
    }

    /** The connection closed or stopped being HTTP/1.1: nothing is held, no timer runs. */
    void stop() {
        armAfterRead = false;
        releaseBudget();
        cancelTimer();
    }
}
