package io.remora.extensions.filters.http.lua;

import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaUserdata;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * Where one run of a stream handler function stands (Envoy's StreamHandleWrapper state) and how
 * it is driven: a script that cannot wait runs straight on the event loop; one that may wait runs
 * in a LuaJ coroutine, suspended by a call that waits for the stream and resumed when the stream
 * delivers. Its {@link LuaStream} decides when to resume and what each state means for the data.
 */
final class LuaScriptRun {

    enum State { RUNNING, WAIT_BODY_CHUNK, WAIT_BODY, WAIT_TRAILERS, HTTP_CALL, RESPONDED, DONE }

    private final LuaFilter filter;
    private final LuaVm vm;
    private final LuaValue function;
    /** The stream's calls: a failed run drops the one it was waiting to start. */
    private final LuaCalls calls;
    State state = State.RUNNING;
    private LuaCoroutine coroutine;
    /** Whether the handle and the objects it gave out may still be used. */
    private boolean live;

    LuaScriptRun(LuaFilter filter, LuaVm vm, LuaValue function, LuaCalls calls) {
        this.filter = filter;
        this.vm = vm;
        this.function = function;
        this.calls = calls;
    }

    /** Runs the function over {@code handle}: in a coroutine when it may wait, else to its end. */
    void start(LuaUserdata handle, boolean mayYield) {
        live = true;
        if (mayYield) {
            coroutine = new LuaCoroutine(vm.globals, function);
            resume(handle);
        } else {
            runDirect(handle);
        }
    }

    private void runDirect(LuaUserdata handle) {
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

    /** Hands {@code args} to the waiting coroutine and runs it until it waits again or ends. */
    void resume(Varargs args) {
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

    /** The stream answers with a local reply: nothing the run does reaches the stream any more. */
    void responded() {
        state = State.RESPONDED;
    }

    /** The stream is gone: the handle's objects are out of scope from now on. */
    void endScope() {
        live = false;
    }

    /** Ends a coroutine's run where it stands. */
    void kill() {
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

    void checkLive() {
        if (!live) {
            throw new LuaError("object used outside of proper scope");
        }
    }
}
