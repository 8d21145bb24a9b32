package io.remora.extensions.filters.http.lua;

import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaThread;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * A script run that may wait. LuaJ runs a coroutine on a Java thread of its own: resuming hands
 * control to it and blocks the event loop until it yields or ends, so the two never run at once and
 * each sees what the other did. A run that is abandoned is resumed once more to unwind.
 */
final class LuaCoroutine {

    /** How a resume came back: waiting (yielded), ended, or failed with {@link #error}. */
    enum Outcome { YIELDED, ENDED, FAILED }

    /** What a suspended coroutine is resumed with when its stream goes away. */
    private static final LuaValue KILL = LuaValue.userdataOf(new Object());

    /** Ends a script's run without an error: after respond(), or when its stream is gone. */
    static final class ScriptStop extends Error {
        ScriptStop() {
            super("script stopped", null, false, false);
        }
    }

    private final Globals globals;
    private LuaThread thread;
    String error;

    LuaCoroutine(Globals globals, LuaValue function) {
        this.globals = globals;
        this.thread = new LuaThread(globals, function);
    }

    Outcome resume(Varargs args) {
        Varargs r = thread.resume(args);
        if (!r.arg1().toboolean()) {
            thread = null;
            error = r.arg(2).tojstring();
            return Outcome.FAILED;
        }
        if ("dead".equals(thread.getStatus())) {
            thread = null;
            return Outcome.ENDED;
        }
        return Outcome.YIELDED;
    }

    boolean alive() {
        return thread != null;
    }

    /** Lets go of a coroutine that yielded by itself (LuaJ ends its thread once it is collected). */
    void abandon() {
        thread = null;
    }

    void kill() {
        LuaThread t = thread;
        thread = null;
        if (t != null) {
            t.resume(KILL);
        }
    }

    /** On the coroutine: waits until the event loop resumes it, and returns what it was given. */
    Varargs yield() {
        if (thread == null || globals.running != thread) {
            throw new LuaError("this call waits for the stream, which a script may only do from"
                    + " envoy_on_request/envoy_on_response themselves");
        }
        Varargs r = globals.yield(LuaValue.NONE);
        if (r.arg1() == KILL) {
            throw new ScriptStop();
        }
        return r;
    }
}
