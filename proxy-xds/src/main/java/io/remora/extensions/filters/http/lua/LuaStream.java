package io.remora.extensions.filters.http.lua;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamFilterCallbacks;
import io.remora.http.upstream.Cancellable;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaThread;
import org.luaj.vm2.LuaUserdata;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

import java.util.ArrayList;
import java.util.List;

/**
 * One run of {@code envoy_on_request} or {@code envoy_on_response} over one stream: Envoy's
 * StreamHandleWrapper state machine. A script that cannot wait runs straight on the event loop; one
 * that may wait runs in a LuaJ coroutine (a thread of its own that the event loop hands control to
 * and waits for, so only one of them runs at a time). Whatever touches the stream beyond its
 * headers and stream info (local reply, upstream calls, passing data on) happens on the event loop.
 */
final class LuaStream {

    enum State { RUNNING, WAIT_BODY_CHUNK, WAIT_BODY, WAIT_TRAILERS, HTTP_CALL, RESPONDED, DONE }

    /** What a suspended coroutine is resumed with when the stream goes away: it unwinds. */
    private static final LuaValue KILL = LuaValue.userdataOf(new Object());

    /** Ends a script's run without an error: after respond(), or when its stream is gone. */
    static final class ScriptStop extends Error {
        ScriptStop() {
            super("script stopped", null, false, false);
        }
    }

    private final LuaFilter filter;
    final boolean request;
    final LuaVm vm;
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
    private boolean headersHeld;
    private boolean trailersHeld;
    /** Body held while the script waits (the whole body for body()), owned here. */
    private ByteBuf held;
    private BufferApi.Wrapped body;
    private LuaThread coroutine;
    private boolean live;
    private LuaUserdata handle;
    LuaUserdata headersObject;
    private LuaUserdata bodyObject;
    private LuaUserdata trailersObject;
    /** What the script asked for, carried out on the event loop when its run pauses or ends. */
    LuaHttpCall.Request pendingCall;
    List<LuaHttpCall.Request> asyncCalls;
    LocalReply pendingReply;
    private Cancellable inflight;
    private boolean starting;
    private Varargs startedResult;

    record LocalReply(int status, Http2Headers headers, String body) {
    }

    LuaStream(LuaFilter filter, boolean request, LuaVm vm, LuaSource source, Http2Headers headers,
              StreamFilterCallbacks cb) {
        this.filter = filter;
        this.request = request;
        this.vm = vm;
        this.source = source;
        this.headers = headers;
        this.cb = cb;
    }

    StreamFilterCallbacks callbacks() {
        return cb;
    }

    LuaFilter filter() {
        return filter;
    }

    // ---------------------------------------------------------------- the filter's calls

    FilterStatus start(LuaValue function, boolean end) {
        endStream = end;
        headersEnded = end;
        handle = new LuaUserdata(this, vm.handleMeta);
        live = true;
        filter.stats().executions.increment();
        if (source.mayYield(end)) {
            coroutine = new LuaThread(vm.globals, function);
            resume(handle);
        } else {
            runDirect(function);
        }
        settle();
        switch (state) {
            case WAIT_BODY, HTTP_CALL -> {
                headersHeld = true;
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
                BufferApi.Wrapped chunk = new BufferApi.Wrapped(data, headers, this);
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
            inject(pass, end);
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
            trailersHeld = true;
            return FilterStatus.STOP_ITERATION;
        }
        flush();
        return FilterStatus.CONTINUE;
    }

    /** The stream is over: the script's run ends where it stands. */
    void destroy() {
        live = false;
        if (inflight != null) {
            inflight.cancel();
            inflight = null;
        }
        kill();
        releaseHeld();
    }

    boolean done() {
        return state == State.DONE && held == null;
    }

    // ---------------------------------------------------------------- running the script

    private void runDirect(LuaValue function) {
        try {
            function.call(handle);
            finished();
        } catch (ScriptStop stop) {
            finished();
        } catch (LuaError e) {
            fail(e.getMessage());
        } catch (RuntimeException | StackOverflowError e) {
            fail(e.toString());
        }
    }

    private void resume(Varargs args) {
        if (coroutine == null) {
            return;
        }
        state = State.RUNNING;
        Varargs r = coroutine.resume(args);
        if (!r.arg1().toboolean()) {
            coroutine = null;
            if (state == State.RESPONDED) {
                finished();
            } else {
                fail(r.arg(2).tojstring());
            }
        } else if ("dead".equals(coroutine.getStatus())) {
            coroutine = null;
            finished();
        } else if (state == State.RUNNING) {
            // The script yielded by itself (coroutine.yield): Envoy refuses that too. The coroutine is
            // left to LuaJ, which ends it once it is collected.
            coroutine = null;
            fail("script performed an unexpected yield");
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
        pendingCall = null;
        live = false;
    }

    private void kill() {
        LuaThread c = coroutine;
        coroutine = null;
        if (c != null) {
            c.resume(KILL);
        }
    }

    /** Called on the coroutine by a call that must wait for the stream (body, trailers, httpCall). */
    Varargs suspend(State waitFor) {
        if (coroutine == null || vm.globals.running != coroutine) {
            throw new LuaError("this call waits for the stream, which a script may only do from"
                    + " envoy_on_request/envoy_on_response themselves");
        }
        state = waitFor;
        Varargs r = vm.globals.yield(LuaValue.NONE);
        if (r.arg1() == KILL) {
            throw new ScriptStop();
        }
        return r;
    }

    /** Carries out on the event loop what the run asked for: calls to start, a reply to send. */
    private void settle() {
        while (true) {
            startAsyncCalls();
            if (state == State.RESPONDED) {
                sendReply();
                return;
            }
            if (state != State.HTTP_CALL || pendingCall == null) {
                return;
            }
            LuaHttpCall.Request call = pendingCall;
            pendingCall = null;
            starting = true;
            startedResult = null;
            Cancellable c = LuaHttpCall.start(cb, call, this::onCallDone);
            starting = false;
            if (startedResult == null) {
                inflight = c;
                return;
            }
            Varargs result = startedResult;
            startedResult = null;
            resume(result);
        }
    }

    private void onCallDone(Varargs result) {
        if (starting) {
            startedResult = result; // answered at once (no host...): the run goes on in settle()
            return;
        }
        inflight = null;
        resume(result);
        settle();
        if (!waiting() && state != State.RESPONDED) {
            flush();
        }
    }

    private void startAsyncCalls() {
        List<LuaHttpCall.Request> calls = asyncCalls;
        if (calls != null) {
            asyncCalls = null;
            for (LuaHttpCall.Request r : calls) {
                LuaHttpCall.start(cb, r, ignored -> { });
            }
        }
    }

    private void sendReply() {
        LocalReply r = pendingReply;
        if (r == null) {
            return;
        }
        pendingReply = null;
        releaseHeld();
        cb.sendLocalReply(r.status(), r.body(), null, "lua_response", h -> {
            for (var e : r.headers()) {
                if (e.getKey().length() > 0 && e.getKey().charAt(0) != ':') {
                    h.remove(e.getKey());
                }
            }
            for (var e : r.headers()) {
                if (e.getKey().length() > 0 && e.getKey().charAt(0) != ':') {
                    h.add(e.getKey(), e.getValue());
                }
            }
        }, -1);
    }

    private boolean waiting() {
        return state == State.WAIT_BODY || state == State.HTTP_CALL;
    }

    // ---------------------------------------------------------------- body held while waiting

    /** Keeps data while the script waits; false (and a local reply) past the buffer limit. */
    private boolean hold(ByteBuf data) {
        if (held == null) {
            held = data;
        } else {
            CompositeByteBuf c;
            if (held instanceof CompositeByteBuf composite) {
                c = composite;
            } else {
                c = Unpooled.compositeBuffer(Integer.MAX_VALUE);
                c.addComponent(true, held);
                held = c;
            }
            c.addComponent(true, data);
        }
        if (held.readableBytes() <= cb.bufferLimit()) {
            return true;
        }
        // As the connection manager answers a filter that buffers too much: 413 on requests, 500 on responses.
        releaseHeld();
        kill();
        state = State.RESPONDED;
        if (request) {
            ((DecoderFilterCallbacks) cb).connectionManagerStats().downstreamRqTooLarge.increment();
            cb.sendLocalReply(413, "Payload Too Large", null, "request_payload_too_large");
        } else {
            filter.decoderCallbacks().connectionManagerStats().rsTooLarge.increment();
            cb.sendLocalReply(500, "Internal Server Error", null, "response_payload_too_large");
        }
        return false;
    }

    private ByteBuf takeHeld() {
        ByteBuf b = held;
        if (body != null && body.replaced()) {
            if (b != null) {
                b.release();
            }
            b = body.buf;
        }
        held = null;
        body = null;
        bodyObject = null;
        return b;
    }

    private void releaseHeld() {
        ByteBuf b = takeHeld();
        if (b != null) {
            b.release();
        }
    }

    /** The run is over: what was held goes on, then whatever the filter manager holds for us. */
    private void flush() {
        ByteBuf b = takeHeld();
        if (b != null) {
            boolean end = endStream && trailers == null;
            if (headersEnded || !b.isReadable() && !end) {
                b.release(); // a message that ended with its headers cannot be given a body here
            } else {
                inject(b, end);
            }
        }
        if (headersHeld || trailersHeld) {
            headersHeld = false;
            trailersHeld = false;
            if (request) {
                ((DecoderFilterCallbacks) cb).continueDecoding();
            } else {
                ((EncoderFilterCallbacks) cb).continueEncoding();
            }
        }
    }

    private void inject(ByteBuf b, boolean end) {
        if (request) {
            ((DecoderFilterCallbacks) cb).injectDecodedDataToFilterChain(b, end);
        } else {
            ((EncoderFilterCallbacks) cb).injectEncodedDataToFilterChain(b, end);
        }
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
        if (bodyObject == null) {
            if (held == null) {
                if (!alwaysWrap) {
                    return LuaValue.NIL;
                }
                held = Unpooled.EMPTY_BUFFER;
            }
            body = new BufferApi.Wrapped(held, headers, this);
            bodyObject = BufferApi.wrap(body, vm.bufferMeta);
        }
        return bodyObject;
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
            if (asyncCalls == null) {
                asyncCalls = new ArrayList<>(1);
            }
            asyncCalls.add(r);
            return LuaValue.NONE;
        }
        pendingCall = r;
        return suspend(State.HTTP_CALL);
    }

    void respond(LocalReply reply) {
        if (!request) {
            throw new LuaError("respond not currently supported in the response path");
        }
        if (headersContinued) {
            throw new LuaError("respond() cannot be called if headers have been continued");
        }
        pendingReply = reply;
        state = State.RESPONDED;
        throw new ScriptStop();
    }
}
