package io.remora.extensions.filters.http.lua;

import io.remora.accesslog.AccessLogFormatter;
import io.remora.accesslog.FilterStateFields;
import io.remora.accesslog.FilterStateProto;
import io.remora.accesslog.StreamInfo;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaUserdata;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.remora.extensions.filters.http.lua.LuaValues.fn;

/**
 * Envoy's {@code streamInfo()}, its {@code dynamicMetadata()} and the SSL connection object
 * ({@code streamInfo():downstreamSslConnection()}, {@code connection():ssl()}).
 */
final class StreamInfoApi {

    private StreamInfoApi() {
    }

    /** The metatables of the stream info, dynamic metadata and SSL objects of one VM. */
    record Tables(LuaTable streamInfo, LuaTable dynamicMetadata, LuaTable ssl, LuaTable connection,
                  LuaTable connectionStreamInfo) {
        static Tables create() {
            LuaTable ssl = SslConnectionApi.metatable();
            LuaTable dynamic = dynamicMetadataTable();
            return new Tables(streamInfoTable(dynamic, ssl), dynamic, ssl, connectionTable(ssl),
                    connectionStreamInfoTable());
        }
    }

    private static LuaStream self(Varargs a) {
        LuaStream s = (LuaStream) a.checkuserdata(1, LuaStream.class);
        s.checkLive();
        return s;
    }

    private static LuaValue str(String s) {
        return s == null ? LuaValue.NIL : LuaValue.valueOf(s);
    }

    private static LuaTable streamInfoTable(LuaTable dynamic, LuaTable ssl) {
        LuaTable m = new LuaTable();
        m.set("protocol", fn(a -> str(self(a).callbacks().downstreamProtocol())));
        m.set("downstreamLocalAddress", fn(a -> str(AccessLogFormatter.address(info(a).downstreamLocalAddress, true))));
        m.set("downstreamDirectLocalAddress",
                fn(a -> str(AccessLogFormatter.address(info(a).downstreamDirectLocalAddress(), true))));
        m.set("downstreamDirectRemoteAddress",
                fn(a -> str(AccessLogFormatter.address(info(a).downstreamDirectRemoteAddress, true))));
        m.set("downstreamRemoteAddress", fn(a -> str(AccessLogFormatter.address(info(a).downstreamRemoteAddress, true))));
        m.set("requestedServerName", fn(a -> {
            String sni = info(a).requestedServerName();
            return LuaValue.valueOf(sni == null ? "" : sni);
        }));
        m.set("routeName", fn(a -> {
            var route = self(a).route();
            String name = route == null ? null : route.route().name();
            return LuaValue.valueOf(name == null ? "" : name);
        }));
        m.set("virtualClusterName", fn(a -> {
            String name = info(a).virtualClusterName();
            return LuaValue.valueOf(name == null ? "" : name);
        }));
        m.set("dynamicMetadata", fn(a -> new LuaUserdata(self(a), dynamic)));
        m.set("downstreamSslConnection", fn(a -> SslConnectionApi.wrap(info(a).downstreamTls(), ssl)));
        LuaTable filterState = filterStateTable();
        m.set("filterState", fn(a -> new LuaUserdata(self(a), filterState)));
        m.set("drainConnectionUponCompletion", fn(a -> {
            self(a).callbacks().drainConnectionUponCompletion();
            return LuaValue.NONE;
        }));
        return meta(m);
    }

    /**
     * Envoy's FilterStateWrapper {@code get(name[, field])}: the object's text (serializeAsString),
     * or one field of an object that has fields (a number stays a number); nil when there is none.
     */
    private static LuaTable filterStateTable() {
        LuaTable m = new LuaTable();
        m.set("get", fn(a -> {
            String name = a.checkjstring(2);
            io.remora.network.FilterState state = self(a).callbacks().filterState();
            Object o = state == null ? null : state.get(name);
            if (o == null) {
                return LuaValue.NIL;
            }
            if (!a.arg(3).isnil()) {
                String field = a.checkjstring(3);
                Object v = o instanceof FilterStateFields f ? f.field(field) : null;
                if (v instanceof Number n) {
                    return LuaValue.valueOf(n.doubleValue());
                }
                return v == null ? LuaValue.NIL : LuaValue.valueOf(v.toString());
            }
            String text = o instanceof FilterStateProto p ? p.plainText()
                    : o instanceof FilterStateFields f ? f.text() : o.toString();
            return text == null ? LuaValue.NIL : LuaValue.valueOf(text);
        }));
        return meta(m);
    }

    /** Envoy's ConnectionStreamInfoWrapper: the connection's dynamic metadata, read-only ({@code get}, pairs). */
    private static LuaTable connectionStreamInfoTable() {
        LuaTable dynamic = new LuaTable();
        dynamic.set("get", fn(a -> {
            Map<String, Object> ns = self(a).callbacks().connectionDynamicMetadata().get(a.checkjstring(2));
            return ns == null || ns.isEmpty() ? LuaValue.NIL : LuaValues.toLua(ns);
        }));
        LuaTable dynamicMeta = meta(dynamic);
        dynamicMeta.set("__pairs", fn(a -> {
            LuaStream s = self(a);
            return s.connectionMetadataWalk.begin(entries(s.callbacks().connectionDynamicMetadata()));
        }));
        LuaTable m = new LuaTable();
        m.set("dynamicMetadata", fn(a -> new LuaUserdata(self(a), dynamicMeta)));
        return meta(m);
    }

    private static List<LuaValue> entries(Map<String, Map<String, Object>> all) {
        List<LuaValue> kv = new ArrayList<>();
        for (Map.Entry<String, Map<String, Object>> e : all.entrySet()) {
            kv.add(LuaValue.valueOf(e.getKey()));
            kv.add(LuaValues.toLua(e.getValue()));
        }
        return kv;
    }

    private static LuaTable connectionTable(LuaTable ssl) {
        LuaTable m = new LuaTable();
        m.set("ssl", fn(a -> SslConnectionApi.wrap(self(a).callbacks().streamInfo().downstreamTls(), ssl)));
        return meta(m);
    }

    private static StreamInfo info(Varargs a) {
        return self(a).callbacks().streamInfo();
    }

    private static LuaTable dynamicMetadataTable() {
        LuaTable m = new LuaTable();
        m.set("get", fn(a -> {
            Map<String, Object> ns = info(a).dynamicMetadata(a.checkjstring(2));
            return ns.isEmpty() ? LuaValue.NIL : LuaValues.toLua(ns);
        }));
        m.set("set", fn(a -> {
            self(a).dynamicMetadataWalk.checkNotWalking("dynamic metadata map");
            StreamInfo info = info(a);
            info.setDynamicMetadata(a.checkjstring(2), a.checkjstring(3), LuaValues.fromLua(a.arg(4)));
            return LuaValue.NONE;
        }));
        LuaTable meta = meta(m);
        meta.set("__pairs", fn(a -> {
            LuaStream s = self(a);
            return s.dynamicMetadataWalk.begin(entries(s.callbacks().streamInfo().dynamicMetadata()));
        }));
        return meta;
    }

    private static LuaTable meta(LuaTable methods) {
        LuaTable meta = new LuaTable();
        meta.set(LuaValue.INDEX, methods);
        return meta;
    }
}
