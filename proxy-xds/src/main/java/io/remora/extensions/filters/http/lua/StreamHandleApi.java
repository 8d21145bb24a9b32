package io.remora.extensions.filters.http.lua;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.log.Logging;
import io.remora.route.RouteEntry;
import io.remora.upstream.OverrideHost;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaUserdata;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

import static io.remora.extensions.filters.http.lua.LuaValues.fn;

/** The stream handle that envoy_on_request/envoy_on_response get: Envoy's StreamHandleWrapper methods. */
final class StreamHandleApi {

    static final Logger LOG = Logging.logger("lua");
    private static final String FILTER_NAME = "envoy.filters.http.lua";

    private StreamHandleApi() {
    }

    private static LuaStream self(Varargs a) {
        LuaStream s = (LuaStream) a.checkuserdata(1, LuaStream.class);
        s.checkLive();
        return s;
    }

    static LuaTable metatable() {
        LuaTable m = new LuaTable();
        m.set("headers", fn(a -> {
            LuaStream s = self(a);
            if (s.headersObject == null) {
                s.headersObject = HeaderMapApi.wrap(s.headers, s, false, s.vm.headersMeta);
            }
            return s.headersObject;
        }));
        m.set("downstreamRequestHeaders", fn(a -> {
            LuaStream s = self(a);
            if (s.request) {
                throw new LuaError("downstreamRequestHeaders() is only available in envoy_on_response");
            }
            Http2Headers h = s.callbacks().requestHeaders();
            if (h == null) {
                return LuaValue.NIL;
            }
            if (s.requestHeadersObject == null) {
                s.requestHeadersObject = HeaderMapApi.wrap(h, s, false, s.vm.readOnlyHeadersMeta);
            }
            return s.requestHeadersObject;
        }));
        m.set("body", fn(a -> {
            LuaStream s = self(a);
            boolean wrap = false;
            if (a.narg() >= 2) {
                if (!a.arg(2).isboolean()) {
                    throw new LuaError("bad argument #1 to 'body' (boolean expected, got " + a.arg(2).typename() + ")");
                }
                wrap = a.arg(2).toboolean();
            }
            return s.body(wrap);
        }));
        m.set("bodyChunks", fn(a -> self(a).bodyChunks()));
        m.set("trailers", fn(a -> self(a).trailers()));
        m.set("metadata", fn(a -> {
            LuaStream s = self(a);
            return MetadataApi.wrap(routeMetadata(s), s.vm.metadataMeta);
        }));
        m.set("filterContext", fn(a -> MetadataApi.wrap(Map.of(), self(a).vm.metadataMeta)));
        // Unlike metadata(), these read the filter's own name only, with no envoy.filters.http.lua
        // fallback (Envoy's RouteWrapper and VirtualHostWrapper).
        m.set("route", fn(a -> {
            LuaStream s = self(a);
            RouteEntry route = s.route();
            return metadataHolder(s, route == null ? null : route.route().metadata());
        }));
        m.set("virtualHost", fn(a -> {
            LuaStream s = self(a);
            RouteEntry route = s.route();
            return metadataHolder(s, route == null || route.virtualHost() == null ? null
                    : route.virtualHost().metadata());
        }));
        m.set("importPublicKey", fn(a -> self(a).crypto().importPublicKey(a)));
        m.set("verifySignature", fn(a -> self(a).crypto().verifySignature(a)));
        m.set("setUpstreamOverrideHost", fn(a -> {
            setUpstreamOverrideHost(self(a), a);
            return LuaValue.NONE;
        }));
        m.set("streamInfo", fn(a -> {
            LuaStream s = self(a);
            return new LuaUserdata(s, s.vm.info.streamInfo());
        }));
        m.set("connection", fn(a -> {
            LuaStream s = self(a);
            return new LuaUserdata(s, s.vm.info.connection());
        }));
        m.set("stats", fn(a -> {
            LuaStream s = self(a);
            return new LuaUserdata(s, s.vm.stats.scope());
        }));
        m.set("connectionStreamInfo", fn(a -> {
            LuaStream s = self(a);
            return new LuaUserdata(s, s.vm.info.connectionStreamInfo());
        }));
        m.set("respond", fn(a -> {
            LuaStream s = self(a);
            LuaTable t = a.checktable(2);
            LuaString body = a.arg(3).isnil() ? null : a.checkstring(3);
            s.respond(reply(t, body));
            return LuaValue.NONE;
        }));
        m.set("httpCall", fn(a -> self(a).httpCall(a)));
        m.set("clearRouteCache", fn(a -> {
            LuaStream s = self(a);
            if (s.request) { // on the response path Envoy's encoder callbacks ignore it
                s.callbacks().clearRouteCache();
            }
            return LuaValue.NONE;
        }));
        m.set("base64Escape", fn(a -> {
            LuaString in = a.checkstring(2);
            byte[] b = new byte[in.rawlen()];
            in.copyInto(0, b, 0, b.length);
            return LuaValue.valueOf(Base64.getEncoder().encodeToString(b));
        }));
        m.set("timestamp", fn(a -> {
            if (!a.arg(2).isnil() && resolution(a.arg(2)) != 0) {
                throw new LuaError("timestamp format must be MILLISECOND.");
            }
            return LuaValue.valueOf((double) System.currentTimeMillis());
        }));
        m.set("timestampString", fn(a -> {
            int r = a.arg(2).isnil() ? 0 : resolution(a.arg(2));
            Instant now = Instant.now();
            if (r == 0) {
                return LuaValue.valueOf(Long.toString(now.toEpochMilli()));
            }
            if (r == 1) {
                return LuaValue.valueOf(Long.toString(now.getEpochSecond() * 1_000_000 + now.getNano() / 1000));
            }
            throw new LuaError("timestamp format must be MILLISECOND or MICROSECOND.");
        }));
        log(m, "logTrace", Level.FINEST);
        log(m, "logDebug", Level.FINE);
        log(m, "logInfo", Level.INFO);
        log(m, "logWarn", Level.WARNING);
        log(m, "logErr", Level.SEVERE);
        log(m, "logCritical", Logging.CRITICAL);
        LuaTable meta = new LuaTable();
        meta.set(LuaValue.INDEX, m);
        return meta;
    }

    private static int resolution(LuaValue v) {
        try {
            return Integer.parseInt(v.checkjstring().trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void log(LuaTable m, String name, Level level) {
        m.set(name, fn(a -> {
            String message = a.checkjstring(2);
            if (LOG.isLoggable(level)) {
                LOG.log(level, "script log: " + message);
            }
            return LuaValue.NONE;
        }));
    }

    /**
     * {@code setUpstreamOverrideHost(host[, strict])}: the load balancer tries the cluster's host
     * at this IP address ("ip:port"; a bare IP matches no host, as in Envoy) first; strict fails
     * the request when that host cannot take it, instead of balancing. On the response path the
     * host is still checked, and then nothing happens.
     */
    private static void setUpstreamOverrideHost(LuaStream s, Varargs a) {
        String host = a.checkjstring(2);
        boolean strict = false;
        if (a.narg() >= 3) {
            if (!a.arg(3).isboolean()) {
                throw new LuaError("bad argument #2 to 'setUpstreamOverrideHost' (boolean expected, got "
                        + a.arg(3).typename() + ")");
            }
            strict = a.arg(3).toboolean();
        }
        java.net.InetSocketAddress address = OverrideHost.parse(host);
        if (address == null) {
            java.net.InetAddress ip = io.netty.util.NetUtil.createInetAddressFromIpAddressString(
                    host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host);
            if (ip == null) {
                throw new LuaError("host is not a valid IP address");
            }
            address = new java.net.InetSocketAddress(ip, 0);
        }
        if (!s.request) {
            return; // the upstream is chosen already: Envoy's encoder callbacks take it and do nothing
        }
        s.callbacks().filterState().set(OverrideHost.FILTER_STATE_KEY, new OverrideHost(address, strict),
                io.remora.network.FilterState.Mutability.MUTABLE);
    }

    /** The route's filter_metadata under the filter's configured name, else under envoy.filters.http.lua. */
    private static Map<String, Object> routeMetadata(LuaStream s) {
        RouteEntry route = s.route();
        return filterMetadata(s, route == null ? null : route.route().metadata());
    }

    /** {@code route()} / {@code virtualHost()}: an object whose {@code metadata()} is that level's. */
    private static LuaTable metadataHolder(LuaStream s, Map<String, Map<String, Object>> all) {
        Map<String, Object> own = all == null ? null : all.get(s.callbacks().filterName());
        LuaValue metadata = MetadataApi.wrap(own == null ? Map.of() : own, s.vm.metadataMeta);
        LuaTable holder = new LuaTable();
        holder.set("metadata", fn(x -> metadata));
        return holder;
    }

    private static Map<String, Object> filterMetadata(LuaStream s, Map<String, Map<String, Object>> all) {
        if (all == null) {
            return Map.of();
        }
        Map<String, Object> m = all.get(s.callbacks().filterName());
        if (m == null) {
            m = all.get(FILTER_NAME);
        }
        return m == null ? Map.of() : m;
    }

    private static LuaLocalReply reply(LuaTable t, LuaString body) {
        Http2Headers h = LuaHttpCall.headers(t);
        CharSequence status = h.status();
        int code;
        try {
            code = status == null ? -1 : Integer.parseInt(status.toString());
        } catch (NumberFormatException e) {
            code = -1;
        }
        if (code < 200 || code >= 600) {
            throw new LuaError(":status must be between 200-599");
        }
        String text = "";
        if (body != null) {
            // The local reply sets content-length from the body it writes.
            text = new String(body.m_bytes, body.m_offset, body.m_length, StandardCharsets.UTF_8);
        }
        return new LuaLocalReply(code, h, text);
    }
}
