package io.remora.extensions.filters.http.lua;

import io.remora.http.filter.StreamFilterCallbacks;
import io.remora.http.upstream.Cancellable;
import org.luaj.vm2.Varargs;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The httpCall()s of one script run. The script asks on its own thread (a coroutine may run off the
 * event loop); the calls start on the event loop when the run pauses or ends.
 */
final class LuaCalls {

    private final StreamFilterCallbacks cb;
    /** The synchronous call the run waits for, not started yet. */
    LuaHttpCall.Request pending;
    private List<LuaHttpCall.Request> asynchronous;
    private Cancellable inflight;
    private boolean starting;
    private Varargs answeredAtOnce;

    LuaCalls(StreamFilterCallbacks cb) {
        this.cb = cb;
    }

    void addAsynchronous(LuaHttpCall.Request r) {
        if (asynchronous == null) {
            asynchronous = new ArrayList<>(1);
        }
        asynchronous.add(r);
    }

    /** Starts the asynchronous calls asked for; nobody waits for their answers, as in Envoy. */
    void startAsynchronous() {
        List<LuaHttpCall.Request> calls = asynchronous;
        if (calls != null) {
            asynchronous = null;
            for (LuaHttpCall.Request r : calls) {
                LuaHttpCall.start(cb, r, ignored -> { });
            }
        }
    }

    /**
     * Starts the pending call: its results when it answered before this returns (no host, overflow),
     * else null and {@code done} gets them later on the event loop.
     */
    Varargs startPending(Consumer<Varargs> done) {
        LuaHttpCall.Request call = pending;
        pending = null;
        starting = true;
        answeredAtOnce = null;
        Cancellable c = LuaHttpCall.start(cb, call, result -> {
            if (starting) {
                answeredAtOnce = result;
            } else {
                inflight = null;
                done.accept(result);
            }
        });
        starting = false;
        Varargs result = answeredAtOnce;
        answeredAtOnce = null;
        if (result == null) {
            inflight = c;
        }
        return result;
    }

    void cancel() {
        pending = null;
        if (inflight != null) {
            inflight.cancel();
            inflight = null;
        }
    }
}
