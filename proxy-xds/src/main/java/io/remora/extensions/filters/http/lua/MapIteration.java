package io.remora.extensions.filters.http.lua;

import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaValue;

import java.util.List;

/**
 * Envoy's rule for a map a script walks with {@code pairs()} (a header map, dynamic metadata): one
 * walk at a time, and no change to the map until the walk has reached its end. Envoy's iterator
 * lives until it is exhausted, so a loop left early keeps the map closed for the rest of the run.
 */
final class MapIteration {

    private boolean walking;

    /** A walk over {@code kv} (key, value laid out flat); an error while another walk is open. */
    LuaValue begin(List<LuaValue> kv) {
        if (walking) {
            throw new LuaError("cannot create a second iterator before completing the first");
        }
        walking = true;
        int[] next = {0};
        return LuaValues.fn(ignored -> {
            int i = next[0];
            if (i >= kv.size()) {
                walking = false;
                return LuaValue.NIL;
            }
            next[0] = i + 2;
            return LuaValue.varargsOf(kv.get(i), kv.get(i + 1));
        });
    }

    /** An error naming {@code map} while a walk over it is open. */
    void checkNotWalking(String map) {
        if (walking) {
            throw new LuaError(map + " cannot be modified while iterating");
        }
    }
}
