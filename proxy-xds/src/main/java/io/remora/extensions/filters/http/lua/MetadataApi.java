package io.remora.extensions.filters.http.lua;

import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaUserdata;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.remora.extensions.filters.http.lua.LuaValues.fn;

/** Envoy's read-only metadata object ({@code metadata()}, {@code filterContext()}): get(key) and pairs(). */
final class MetadataApi {

    private MetadataApi() {
    }

    static LuaTable metatable() {
        LuaTable methods = new LuaTable();
        methods.set("get", fn(a -> LuaValues.toLua(self(a).get(a.checkjstring(2)))));
        LuaTable meta = new LuaTable();
        meta.set(LuaValue.INDEX, methods);
        meta.set("__pairs", fn(a -> {
            List<LuaValue> kv = new ArrayList<>();
            for (Map.Entry<String, Object> e : self(a).entrySet()) {
                kv.add(LuaValue.valueOf(e.getKey()));
                kv.add(LuaValues.toLua(e.getValue()));
            }
            return LuaValues.iterator(kv);
        }));
        return meta;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> self(Varargs a) {
        return (Map<String, Object>) a.checkuserdata(1, Map.class);
    }

    static LuaUserdata wrap(Map<String, Object> m, LuaTable meta) {
        return new LuaUserdata(m, meta);
    }
}
