package io.remora.extensions.filters.http.lua;

import io.netty.channel.EventLoop;
import org.luaj.vm2.LuaError;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;

/** One script and its Lua state on each event loop, loaded there on first use (Envoy's PerLuaCodeSetup). */
final class LuaScript {

    /** A state that could not be loaded on a loop: the filter lets that loop's streams pass. */
    private static final Object FAILED = new Object();

    final LuaSource source;
    private final Map<EventLoop, Object> vms = new ConcurrentHashMap<>();

    LuaScript(LuaSource source) {
        this.source = source;
    }

    /** This loop's state, or null when the script failed to load here (logged once). */
    LuaVm vm(EventLoop loop) {
        Object vm = vms.get(loop);
        if (vm == null) {
            vm = load();
            vms.put(loop, vm);
        }
        return vm == FAILED ? null : (LuaVm) vm;
    }

    private Object load() {
        try {
            return new LuaVm(source);
        } catch (LuaError | StackOverflowError e) {
            StreamHandleApi.LOG.log(Level.SEVERE, "script load error: " + e.getMessage());
            return FAILED;
        }
    }
}
