package io.remora.extensions.filters.http.lua;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.extensions.filters.http.lua.LuaScriptRun.State;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamFilterCallbacks;
import io.remora.route.RouteEntry;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaUserdata;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * One run of {@code envoy_on_request} or {@code envoy_on_response} over one stream: what the
 * stream's headers, body and trailers do to the run ({@link LuaScriptRun}, which may wait for
 * them in a coroutine) and what the run does to the stream. Whatever touches the stream beyond
 * its headers and stream info (local reply, upstream calls, passing data on) happens on the
 * event loop.
 */
final class LuaStream {

    private final LuaFilter filter;
    final boolean request;
    final LuaVm vm;
    private final LuaSource source;
    final Http2Headers headers;
    private final StreamFilterCallbacks cb;

    boolean endStream;
    private boolean headersEnded;
    boolean headersContinued;
    private boolean bufferedBody;
    boolean sawBody;
    Http2Headers trailers;
    private final HeldBody held;
    private RouteEntry startRoute;
    private LuaUserdata handle;
    LuaUserdata headersObject;
    /** downstreamRequestHeaders(): one object per run, as Envoy's, so its pairs() walk is the run's. */
    LuaUserdata requestHeadersObject;
    /** The walks of the stream's and the connection's dynamic metadata, one object each per run in Envoy. */
    final MapIteration dynamicMetadataWalk = new MapIteration();
    final MapIteration connectionMetadataWalk = new MapIteration();
    private LuaUserdata trailersObject;
    /** What the script asked for, carried out on the event loop when its run pauses or ends. */
    private final LuaCalls calls;
    private final LuaScriptRun run;
    private LuaLocalReply pendingReply;
    private LuaCrypto crypto;

    LuaStream(LuaFilter filter, boolean request, LuaVm vm, LuaValue function, LuaSource source,
              Http2Headers headers, StreamFilterCallbacks cb) {
        this.filter = filter;
        this.request = request;
        this.vm = vm;
        this.source = source;
        this.headers = headers;
        this.cb = cb;
        this.held = new HeldBody(request, cb);
        this.calls = new LuaCalls(cb);
        this.run = new LuaScriptRun(filter, vm, function, calls);
    }

    /** The filter's lua scope, where the script's own stats go too. */
    LuaStats stats() {
        return filter.stats();
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
        filter.stats().executions.increment();
        boolean mayYield = source.mayYield(end);
        if (mayYield) {
            startRoute = cb.route();
        }
        run.start(handle, mayYield);
        settle();
        switch (run.state) {
            case WAIT_BODY, HTTP_CALL -> {
                held.headersHeld = true;
                return FilterStatus.STOP_ITERATION;
            }
            case RESPONDED -> {
                return FilterStatus.STOP_ITERATION;
            }
            default -> {
                if (headersEnded) {
                    flush(); // a body(true) the script filled goes on with the headers
                }
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
        switch (run.state) {
            case WAIT_BODY_CHUNK -> {
                BufferApi.Wrapped chunk = new BufferApi.Wrapped(data, null, this);
                run.resume(new LuaUserdata(chunk, vm.bufferMeta));
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
                if (end && run.state == State.WAIT_BODY) {
                    run.resume(LuaValue.NONE);
                    settle();
                }
            }
            case WAIT_TRAILERS -> {
                if (end) {
                    run.resume(LuaValue.NONE);
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
        if (run.state == State.RESPONDED) {
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
        if (run.state == State.WAIT_BODY_CHUNK || run.state == State.WAIT_BODY) {
            run.resume(LuaValue.NONE);
            settle();
        }
        if (run.state == State.WAIT_TRAILERS) {
            run.resume(trailersObject());
            settle();
        }
        if (run.state == State.RESPONDED) {
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
        run.endScope();
        calls.cancel();
        run.kill();
        held.release();
    }

    boolean done() {
        return run.state == State.DONE && held.isEmpty();
    }

    // ---------------------------------------------------------------- what the run asked for

    /** Carries out on the event loop what the run asked for: calls to start, a reply to send. */
    private void settle() {
        while (true) {
            calls.startAsynchronous();
            if (run.state == State.RESPONDED) {
                sendReply();
                return;
            }
            if (run.state != State.HTTP_CALL || calls.pending == null) {
                return;
            }
            Varargs result = calls.startPending(this::onCallDone);
            if (result == null) {
                return;
            }
            run.resume(result);
        }
    }

    private void onCallDone(Varargs result) {
        run.resume(result);
        settle();
        if (!waiting() && run.state != State.RESPONDED) {
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
        return run.state == State.WAIT_BODY || run.state == State.HTTP_CALL;
    }

    /** Keeps data while the script waits; false (and a local reply) past the buffer limit. */
    private boolean hold(ByteBuf data) {
        if (held.add(data)) {
            return true;
        }
        calls.cancel();
        run.kill();
        run.responded();
        held.tooLarge(filter.decoderCallbacks());
        return false;
    }

    private void flush() {
        held.flush(endStream && trailers == null, headersEnded);
    }

    // ---------------------------------------------------------------- for the API objects

    void checkLive() {
        run.checkLive();
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
            run.suspend(State.WAIT_BODY);
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
            return endStream ? LuaValue.NIL : run.suspend(State.WAIT_BODY_CHUNK).arg1();
        });
    }

    LuaValue trailers() {
        if (trailers != null) {
            return trailersObject();
        }
        return endStream ? LuaValue.NIL : run.suspend(State.WAIT_TRAILERS).arg1();
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
            return run.suspend(State.HTTP_CALL);
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
        run.responded();
        throw new LuaCoroutine.ScriptStop();
    }
}
