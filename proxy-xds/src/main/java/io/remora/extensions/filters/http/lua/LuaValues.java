package io.remora.extensions.filters.http.lua;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Conversions between the proxy's values and Lua's. Header names and values go byte for byte
 * (Netty keeps them as one byte per char, Lua strings are bytes); metadata goes as Envoy's
 * {@code Struct} does: maps to tables, lists to arrays, numbers, strings, booleans.
 */
public final class LuaValues {

    private LuaValues() {
    }

    /** A Lua function of the API; {@code body} gets the call's arguments ({@code self} first for methods). */
    public static LuaValue fn(Function<Varargs, Varargs> body) {
        return new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                return body.apply(args);
            }
        };
    }

    public static LuaString bytes(CharSequence s) {
        if (s instanceof AsciiString a) {
            return LuaString.valueOf(a.toByteArray());
        }
        byte[] b = new byte[s.length()];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) s.charAt(i);
        }
        return LuaString.valueOf(b);
    }

    /** Every value of a header joined with ',' (Envoy's getAllOfHeaderAsString), or nil. */
    public static LuaValue header(Http2Headers h, AsciiString name) {
        List<CharSequence> all = h.getAll(name);
        if (all.isEmpty()) {
            return LuaValue.NIL;
        }
        if (all.size() == 1) {
            return bytes(all.get(0));
        }
        StringBuilder sb = new StringBuilder();
        for (CharSequence v : all) {
            sb.append(sb.length() == 0 ? "" : ",").append(v);
        }
        return bytes(sb);
    }

    /** A header name or value from a script: its bytes as they are. */
    public static AsciiString ascii(LuaValue v) {
        LuaString s = v.checkstring();
        byte[] b = new byte[s.rawlen()];
        s.copyInto(0, b, 0, b.length);
        return new AsciiString(b, false);
    }

    /** A lower-cased header name from a script (Envoy's LowerCaseString). */
    public static AsciiString name(LuaValue v) {
        return ascii(v).toLowerCase();
    }

    /** Metadata (String, Boolean, Number, List, Map) as a Lua value; null as nil. */
    static LuaValue toLua(Object o) {
        if (o == null) {
            return LuaValue.NIL;
        }
        if (o instanceof String s) {
            return LuaValue.valueOf(s);
        }
        if (o instanceof Boolean b) {
            return LuaValue.valueOf(b);
        }
        if (o instanceof Number n) {
            double d = n.doubleValue();
            return d == Math.rint(d) && Math.abs(d) < 1e15 ? LuaValue.valueOf((long) d) : LuaValue.valueOf(d);
        }
        if (o instanceof List<?> l) {
            LuaTable t = new LuaTable(l.size(), 0);
            for (int i = 0; i < l.size(); i++) {
                t.rawset(i + 1, toLua(l.get(i)));
            }
            return t;
        }
        if (o instanceof Map<?, ?> m) {
            LuaTable t = new LuaTable(0, m.size());
            for (Map.Entry<?, ?> e : m.entrySet()) {
                t.rawset(LuaValue.valueOf(String.valueOf(e.getKey())), toLua(e.getValue()));
            }
            return t;
        }
        return LuaValue.valueOf(o.toString());
    }

    /**
     * A script's value as metadata, as Envoy's {@code loadValue}: a table whose keys are 1..n is a
     * list, any other a struct with string keys; functions and userdata are refused.
     */
    static Object fromLua(LuaValue v) {
        switch (v.type()) {
            case LuaValue.TNIL:
                return null;
            case LuaValue.TBOOLEAN:
                return v.toboolean();
            case LuaValue.TNUMBER:
                return v.todouble();
            case LuaValue.TSTRING:
                return v.tojstring();
            case LuaValue.TTABLE:
                return table((LuaTable) v);
            default:
                throw new LuaError("unexpected type '" + v.typename() + "' in dynamic metadata");
        }
    }

    private static Object table(LuaTable t) {
        int n = t.length();
        boolean array = n > 0;
        int count = 0;
        for (Varargs e = t.next(LuaValue.NIL); !e.arg1().isnil(); e = t.next(e.arg1())) {
            count++;
            LuaValue k = e.arg1();
            if (!k.isinttype() || k.toint() < 1 || k.toint() > n) {
                array = false;
            }
        }
        if (array && count == n) {
            List<Object> l = new ArrayList<>(n);
            for (int i = 1; i <= n; i++) {
                l.add(fromLua(t.get(i)));
            }
            return l;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        for (Varargs e = t.next(LuaValue.NIL); !e.arg1().isnil(); e = t.next(e.arg1())) {
            LuaValue k = e.arg1();
            if (!k.isstring()) {
                throw new LuaError("metadata keys must be strings, got '" + k.typename() + "'");
            }
            m.put(k.tojstring(), fromLua(e.arg(2)));
        }
        return m;
    }

    /** An iterator over key, value pairs laid out flat. */
    static LuaValue iterator(List<LuaValue> kv) {
        int[] next = {0};
        return fn(ignored -> {
            int i = next[0];
            if (i >= kv.size()) {
                return LuaValue.NIL;
            }
            next[0] = i + 2;
            return LuaValue.varargsOf(kv.get(i), kv.get(i + 1));
        });
    }
}
