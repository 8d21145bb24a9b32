package io.remora.extensions.filters.http.lua;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamFilterCallbacks;
import io.remora.route.RouteEntry;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaUserdata;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * One run of {@code envoy_on_request} or {@code envoy_on_response} over one stream: Envoy's
 * StreamHandleWrapper state machine. A script that cannot wait runs straight on the event loop; one
 * that may wait runs in a LuaJ coroutine (a thread of its own that the event loop hands control to
 * and waits for, so only one of them runs at a time). Whatever touches the stream beyond its
 * headers and stream info (local reply, upstream calls, passing data on) happens on the event loop.
 */
final class LuaStream {

    enum State { RUNNING, WAIT_BODY_CHUNK, WAIT_BODY, WAIT_TRAILERS, HTTP_CALL, RESPONDED, DONE }

    private final LuaFilter filter;
    final boolean request;
    final LuaVm vm;
    private final LuaValue function;
    private final LuaSource source;
    final Http2Headers headers;
    private final StreamFilterCallbacks cb;

    State state = State.RUNNING;
    boolean endStream;
    private boolean headersEnded;
    boolean headersContinued;
    private boolean bufferedBody;
    boolean sawBody;
    Http2Headers trailers;
    private final HeldBody held;
    private LuaCoroutine coroutine;
    private RouteEntry startRoute;
    private boolean live;
    private LuaUserdata handle;
    LuaUserdata headersObject;
    private LuaUserdata trailersObject;
    /** What the script asked for, carried out on the event loop when its run pauses or ends. */
    private final LuaCalls calls;
    private LuaLocalReply pendingReply;
    private LuaCrypto crypto;

    LuaStream(LuaFilter filter, boolean request, LuaVm vm, LuaValue function, LuaSource source,
              Http2Headers headers, StreamFilterCallbacks cb) {
        this.filter = filter;
        this.request = request;
        this.vm = vm;
        this.function = function;
        this.source = source;
        this.headers = headers;
        this.cb = cb;
        this.held = new HeldBody(request, cb);
        this.calls = new LuaCalls(cb);
    }

    StreamFilterCallbacks callbacks() {
        return cb;
    }

    /** This handle's imported public keys, made at the first importPublicKey. */
    LuaCrypto crypto() {
        if (crypto == null) {
            crypto = new LuaCrypto();
        }
        return crypto;
    }

    /**
     * The stream's route. Looking it up again (after a header change cleared it) arms the stream's
     * timers, which only its event loop may do: a coroutine gets the route the run started with.
     */
    RouteEntry route() {
        return cb.eventLoop().inEventLoop() ? cb.route() : startRoute;
    }

    // ---------------------------------------------------------------- the filter's calls

    FilterStatus start(boolean end) {
        endStream = end;
        headersEnded = end;
        handle = new LuaUserdata(this, vm.handleMeta);
        live = true;
        filter.stats().executions.increment();
        if (source.mayYield(end)) {
            startRoute = cb.route();
            coroutine = new LuaCoroutine(vm.globals, function);
            resume(handle);
        } else {
            runDirect();
        }
        settle();
        switch (state) {
            case WAIT_BODY, HTTP_CALL -> {
                held.headersHeld = true;
                return FilterStatus.STOP_ITERATION;
            }
            case RESPONDED -> {
                return FilterStatus.STOP_ITERATION;
            }
            default -> {
                headersContinued = true;
                return FilterStatus.CONTINUE;
            }
        }
    }

    FilterStatus onData(ByteBuf data, boolean end) {
        endStream = end;
        sawBody = true;
        ByteBuf pass = data;
        boolean owned = false;
        switch (state) {
            case WAIT_BODY_CHUNK -> {
                BufferApi.Wrapped chunk = new BufferApi.Wrapped(data, null, this);
                resume(new LuaUserdata(chunk, vm.bufferMeta));
                settle();
                if (chunk.replaced()) {
                    data.release();
                    pass = chunk.buf;
                    owned = true;
                }
            }
            case WAIT_BODY, HTTP_CALL -> {
                if (!hold(data)) {
                    return FilterStatus.STOP_ITERATION;
                }
                owned = true;
                if (end && state == State.WAIT_BODY) {
                    resume(LuaValue.NONE);
                    settle();
                }
            }
            case WAIT_TRAILERS -> {
                if (end) {
                    resume(LuaValue.NONE);
                    settle();
                }
            }
            case RESPONDED -> {
                data.release();
                return FilterStatus.STOP_ITERATION;
            }
            default -> {
                return FilterStatus.CONTINUE;
            }
        }
        if (state == State.RESPONDED) {
            if (!owned) {
                data.release();
            } else if (pass != data) {
                pass.release();
            }
            return FilterStatus.STOP_ITERATION;
        }
        if (waiting()) {
            if (pass != data || !owned) {
                hold(pass);
            }
            return FilterStatus.STOP_ITERATION;
        }
        if (pass != data) {
            held.inject(pass, end);
            return FilterStatus.STOP_ITERATION;
        }
        if (owned) {
            flush();
            return FilterStatus.STOP_ITERATION;
        }
        return FilterStatus.CONTINUE;
    }

    FilterStatus onTrailers(Http2Headers t) {
        endStream = true;
        trailers = t;
        if (state == State.WAIT_BODY_CHUNK || state == State.WAIT_BODY) {
            resume(LuaValue.NONE);
            settle();
        }
        if (state == State.WAIT_TRAILERS) {
            resume(trailersObject());
            settle();
        }
        if (state == State.RESPONDED) {
            return FilterStatus.STOP_ITERATION;
        }
        if (waiting()) {
            held.trailersHeld = true;
            return FilterStatus.STOP_ITERATION;
        }
        flush();
        return FilterStatus.CONTINUE;
    }

    /** The stream is over: the script's run ends where it stands. */
    void destroy() {
        live = false;
        calls.cancel();
        kill();
        held.release();
    }

    boolean done() {
        return state == State.DONE && held.isEmpty();
    }

    // ---------------------------------------------------------------- running the script

    private void runDirect() {
        try {
            function.call(handle);
            finished();
        } catch (LuaCoroutine.ScriptStop stop) {
            finished();
        } catch (LuaError e) {
            fail(e.getMessage());
        } catch (RuntimeException | StackOverflowError e) {
            fail(e.toString());
        }
    }

    private void resume(Varargs args) {
        if (coroutine == null || !coroutine.alive()) {
            return;
        }
        state = State.RUNNING;
        switch (coroutine.resume(args)) {
            case FAILED -> {
                if (state == State.RESPONDED) {
                    finished(); // respond() ends the run
                } else {
                    fail(coroutine.error);
                }
            }
            case ENDED -> finished();
            case YIELDED -> {
                if (state == State.RUNNING) {
                    // The script yielded by itself (coroutine.yield): Envoy refuses that too.
                    coroutine.abandon();
                    fail("script performed an unexpected yield");
                }
            }
        }
    }

    private void finished() {
        if (state == State.RUNNING) {
            state = State.DONE;
        }
        live = false;
    }

    private void fail(String message) {
        filter.scriptError(message);
        state = State.DONE;
        calls.pending = null;
        live = false;
    }

    private void kill() {
        if (coroutine != null) {
            coroutine.kill();
        }
    }

    /** Called on the coroutine by a call that must wait for the stream (body, trailers, httpCall). */
    Varargs suspend(State waitFor) {
        if (coroutine == null) {
            throw new LuaError("this call waits for the stream, which a script may only do from"
                    + " envoy_on_request/envoy_on_response themselves");
        }
        State before = state;
        state = waitFor;
        try {
            return coroutine.yield();
        } catch (LuaError e) {
            state = before;
            throw e;
        }
    }

    /** Carries out on the event loop what the run asked for: calls to start, a reply to send. */
    private void settle() {
        while (true) {
            calls.startAsynchronous();
            if (state == State.RESPONDED) {
                sendReply();
                return;
            }
            if (state != State.HTTP_CALL || calls.pending == null) {
                return;
            }
            Varargs result = calls.startPending(this::onCallDone);
            if (result == null) {
                return;
            }
            resume(result);
        }
    }

    private void onCallDone(Varargs result) {
        resume(result);
        settle();
        if (!waiting() && state != State.RESPONDED) {
            flush();
        }
    }

    private void sendReply() {
        LuaLocalReply r = pendingReply;
        if (r != null) {
            pendingReply = null;
            held.release();
            r.send(cb);
        }
    }

    private boolean waiting() {
        return state == State.WAIT_BODY || state == State.HTTP_CALL;
    }

    /** Keeps data while the script waits; false (and a local reply) past the buffer limit. */
    private boolean hold(ByteBuf data) {
        if (held.add(data)) {
            return true;
        }
        calls.cancel();
        kill();
        state = State.RESPONDED;
        held.tooLarge(filter.decoderCallbacks());
        return false;
    }

    private void flush() {
        held.flush(endStream && trailers == null, headersEnded);
    }

    // ---------------------------------------------------------------- for the API objects

    void checkLive() {
        if (!live) {
            throw new LuaError("object used outside of proper scope");
        }
    }

    /** Whether the headers may still change; changing request headers clears the route (clear_route_cache). */
    boolean headersModifiable() {
        if (headersContinued) {
            return false;
        }
        if (request && filter.config().clearRouteCache()) {
            cb.clearRouteCache();
        }
        return true;
    }

    LuaValue body(boolean alwaysWrap) {
        if (!endStream) {
            if (sawBody) {
                throw new LuaError("cannot call body() after body streaming has started");
            }
            bufferedBody = true;
            suspend(State.WAIT_BODY);
        } else if (!bufferedBody && sawBody) {
            throw new LuaError("cannot call body() after body has been streamed");
        }
        return held.bodyObject(alwaysWrap, headers, this, vm.bufferMeta);
    }

    LuaValue bodyChunks() {
        if (sawBody) {
            throw new LuaError("cannot call bodyChunks after body processing has begun");
        }
        return LuaValues.fn(a -> {
            checkLive();
            return endStream ? LuaValue.NIL : suspend(State.WAIT_BODY_CHUNK).arg1();
        });
    }

    LuaValue trailers() {
        if (trailers != null) {
            return trailersObject();
        }
        return endStream ? LuaValue.NIL : suspend(State.WAIT_TRAILERS).arg1();
    }

    private LuaUserdata trailersObject() {
        if (trailersObject == null) {
            trailersObject = HeaderMapApi.wrap(trailers, this, true, vm.headersMeta);
        }
        return trailersObject;
    }

    Varargs httpCall(Varargs args) {
        LuaHttpCall.Request r = LuaHttpCall.parse(args, cb);
        if (r.async()) {
            calls.addAsynchronous(r);
            return LuaValue.NONE;
        }
        calls.pending = r;
        try {
            return suspend(State.HTTP_CALL);
        } catch (LuaError e) {
            calls.pending = null;
            throw e;
        }
    }

    void respond(LuaLocalReply reply) {
        if (!request) {
            throw new LuaError("respond not currently supported in the response path");
        }
        if (headersContinued) {
            throw new LuaError("respond() cannot be called if headers have been continued");
        }
        pendingReply = reply;
        state = State.RESPONDED;
        throw new LuaCoroutine.ScriptStop();
    }
}
