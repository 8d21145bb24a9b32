package io.remora.extensions.filters.http.lua;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.config.ClusterConfig.UpstreamProtocol;
import io.remora.extensions.filters.http.common.ClusterCall;
import io.remora.extensions.filters.http.common.GrpcCalls;
import io.remora.http.filter.StreamFilterCallbacks;
import io.remora.http.upstream.Cancellable;
import io.remora.upstream.Cluster;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code handle:httpCall(cluster, headers, body, timeout_ms[, asynchronous])} and
 * {@code handle:httpCall(cluster, headers, body, options)}, through the worker's pools to a
 * configured cluster (the path ext_authz's HTTP service takes). A failed call answers as Envoy's:
 * status 503 and body "upstream failure".
 */
final class LuaHttpCall {

    /** A call as the script asked for it, checked. */
    record Request(Cluster cluster, Http2Headers headers, byte[] body, Duration timeout, boolean async,
                   boolean returnDuplicateHeaders) {
    }

    private static final LuaString STATUS = LuaString.valueOf(":status");

    private LuaHttpCall() {
    }

    /** Reads the arguments after {@code self}; errors are the script's, with Envoy's messages. */
    static Request parse(Varargs a, StreamFilterCallbacks cb) {
        String clusterName = a.checkjstring(2);
        LuaTable table = a.checktable(3);
        byte[] body = null;
        if (!a.arg(4).isnil()) {
            LuaString s = a.checkstring(4);
            body = new byte[s.rawlen()];
            s.copyInto(0, body, 0, body.length);
        }
        long timeoutMs = 0;
        boolean async = false;
        boolean duplicates = false;
        boolean sendXff = true;
        if (a.arg(5).istable()) {
            LuaTable options = (LuaTable) a.arg(5);
            for (Varargs e = options.next(LuaValue.NIL); !e.arg1().isnil(); e = options.next(e.arg1())) {
                String key = e.arg1().checkjstring();
                LuaValue v = e.arg(2);
                switch (key) {
                    case "asynchronous" -> async = v.toboolean();
                    case "timeout_ms" -> timeoutMs = timeout(v.checklong());
                    case "return_duplicate_headers" -> duplicates = v.toboolean();
                    case "send_xff" -> sendXff = v.toboolean();
                    case "trace_sampled" -> { } // the call makes no span of its own to sample
                    default -> throw new LuaError("\"" + key + "\" is not valid key for httpCall() options");
                }
            }
        } else {
            if (!a.arg(6).isnil() && !a.arg(6).isboolean()) {
                throw new LuaError("http call asynchronous flag must be 'true', 'false', or empty");
            }
            timeoutMs = timeout(a.checklong(5));
            async = a.arg(6).toboolean();
        }
        Cluster cluster = cb.serverContext().clusterManager().get(clusterName);
        if (cluster == null) {
            throw new LuaError("http call cluster invalid. Must be configured");
        }
        Http2Headers h = headers(table);
        if (h.path() == null || h.method() == null || h.authority() == null) {
            throw new LuaError("http call headers must include ':path', ':method', and ':authority'");
        }
        if (h.scheme() == null) {
            h.scheme("http");
        }
        if (body != null) {
            h.setInt("content-length", body.length);
        }
        // Envoy's async client: x-envoy-internal always, the node's address in x-forwarded-for unless send_xff is false.
        GrpcCalls.addEnvoyHeaders(h, sendXff ? cb.serverContext().localAddress() : null);
        return new Request(cluster, h, body, timeoutMs == 0 ? null : Duration.ofMillis(timeoutMs), async, duplicates);
    }

    private static long timeout(long ms) {
        if (ms < 0) {
            throw new LuaError("http call timeout must be >= 0");
        }
        return ms;
    }

    /** A table of name to value, or to an array of values, as Envoy's buildHeadersFromTable. */
    static Http2Headers headers(LuaTable t) {
        Http2Headers h = new DefaultHttp2Headers(false);
        for (Varargs e = t.next(LuaValue.NIL); !e.arg1().isnil(); e = t.next(e.arg1())) {
            AsciiString name = LuaValues.name(e.arg1());
            LuaValue v = e.arg(2);
            if (v.istable()) {
                LuaTable values = (LuaTable) v;
                for (Varargs x = values.next(LuaValue.NIL); !x.arg1().isnil(); x = values.next(x.arg1())) {
                    h.add(name, LuaValues.ascii(x.arg(2).checkstring()));
                }
            } else {
                h.add(name, LuaValues.ascii(v.checkstring()));
            }
        }
        return h;
    }

    /** Starts the call on the stream's event loop; {@code done} gets what the script's httpCall returns. */
    static Cancellable start(StreamFilterCallbacks cb, Request r, Consumer<Varargs> done) {
        UpstreamProtocol protocol = r.cluster().config().protocol() == UpstreamProtocol.HTTP2
                ? UpstreamProtocol.HTTP2 : UpstreamProtocol.HTTP1;
        return ClusterCall.start(cb.eventLoop(), cb.serverContext(), r.cluster().name(), protocol,
                r.headers(), r.body(), r.timeout(), resp -> done.accept(results(resp, r.returnDuplicateHeaders())));
    }

    private static Varargs results(ClusterCall.Response resp, boolean duplicates) {
        LuaTable headers = new LuaTable();
        if (resp.headers() == null) {
            headers.set(STATUS, LuaValue.valueOf("503"));
            return LuaValue.varargsOf(headers, LuaValue.valueOf("upstream failure"));
        }
        if (duplicates) {
            Map<LuaString, List<LuaString>> all = new LinkedHashMap<>();
            for (Map.Entry<CharSequence, CharSequence> e : resp.headers()) {
                all.computeIfAbsent(LuaValues.bytes(e.getKey()), k -> new ArrayList<>(1)).add(LuaValues.bytes(e.getValue()));
            }
            for (Map.Entry<LuaString, List<LuaString>> e : all.entrySet()) {
                List<LuaString> values = e.getValue();
                if (values.size() == 1) {
                    headers.set(e.getKey(), values.get(0));
                } else {
                    LuaTable list = new LuaTable(values.size(), 0);
                    for (int i = 0; i < values.size(); i++) {
                        list.rawset(i + 1, values.get(i));
                    }
                    headers.set(e.getKey(), list);
                }
            }
        } else {
            for (Map.Entry<CharSequence, CharSequence> e : resp.headers()) {
                headers.set(LuaValues.bytes(e.getKey()), LuaValues.bytes(e.getValue()));
            }
        }
        byte[] body = resp.body();
        return LuaValue.varargsOf(headers, body == null || body.length == 0 ? LuaValue.NIL : LuaString.valueOf(body));
    }
}
