package io.remora.http;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.config.ForwardAction;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.route.RouteEntry;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The connection manager's {@code upgrade_configs} with the route's overrides: whether a
 * WebSocket (or any Upgrade) or CONNECT request may pass, and which filter chain it runs
 * (Envoy's createUpgradeFilterChain). Requests are in the internal HTTP/1-style form of an
 * upgrade: {@code connection: upgrade} + {@code upgrade: <type>}, or {@code :method CONNECT}
 * (the HTTP/2 codec turns an extended CONNECT into the former).
 */
public final class Upgrades {
    public static final AsciiString CONNECTION = AsciiString.cached("connection");
    public static final AsciiString UPGRADE = AsciiString.cached("upgrade");
    public static final String CONNECT = "CONNECT";

    /** Upgrade type (lower case) to the filter chain it runs; null value: the HCM's own chain. */
    private final Map<String, HttpConnectionManager.FilterFactoryEntry[]> enabled = new HashMap<>();
    /** Types configured with {@code enabled: false}: a route may still turn them on. */
    private final Map<String, HttpConnectionManager.FilterFactoryEntry[]> disabled = new HashMap<>();

    Upgrades(List<HttpConnectionManagerConfig.Upgrade> configs,
             Map<String, HttpConnectionManager.FilterFactoryEntry[]> chains) {
        for (HttpConnectionManagerConfig.Upgrade u : configs) {
            String type = u.upgradeType().toLowerCase(Locale.ROOT);
            HttpConnectionManager.FilterFactoryEntry[] chain = chains.get(type);
            (u.enabled() ? enabled : disabled).put(type, chain);
        }
    }

    /** Whether {@code headers} ask for an upgrade: Connection names "upgrade" and Upgrade is set. */
    public static boolean isUpgrade(Http2Headers headers) {
        CharSequence upgrade = headers.get(UPGRADE);
        if (upgrade == null || upgrade.length() == 0) {
            return false;
        }
        for (CharSequence c : headers.getAll(CONNECTION)) {
            if (hasToken(c, "upgrade")) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code upgrade} (an Upgrade value, or null) is a WebSocket's, as Envoy's isWebSocketUpgradeRequest compares it. */
    public static boolean isWebSocket(CharSequence upgrade) {
        return upgrade != null && AsciiString.contentEqualsIgnoreCase(upgrade, "websocket");
    }

    public static boolean isConnect(Http2Headers headers) {
        CharSequence m = headers.method();
        return m != null && AsciiString.contentEquals(CONNECT, m);
    }

    /** The upgrade a request asks for (its Upgrade value, or CONNECT), or null for none. */
    public static String requested(Http2Headers headers) {
        if (isUpgrade(headers)) {
            return headers.get(UPGRADE).toString();
        }
        return isConnect(headers) ? CONNECT : null;
    }

    /**
     * The filter chain for an upgrade, {@code defaults} when the upgrade has none of its own,
     * or null when the upgrade is refused (403 upgrade_failed). A route that names the type
     * decides; otherwise the connection manager's entry must exist and be enabled.
     */
    HttpConnectionManager.FilterFactoryEntry[] chain(String type, RouteEntry route,
                                                     HttpConnectionManager.FilterFactoryEntry[] defaults) {
        String key = type.toLowerCase(Locale.ROOT);
        Boolean byRoute = null;
        if (route != null && route.route().action() instanceof ForwardAction f) {
            byRoute = f.upgrades().enabled(key);
        }
        if (Boolean.FALSE.equals(byRoute)) {
            return null;
        }
        if (enabled.containsKey(key)) {
            HttpConnectionManager.FilterFactoryEntry[] own = enabled.get(key);
            return own == null ? defaults : own;
        }
        if (Boolean.TRUE.equals(byRoute)) {
            HttpConnectionManager.FilterFactoryEntry[] own = disabled.get(key);
            return own == null ? defaults : own;
        }
        return null;
    }

    public static boolean hasToken(CharSequence list, String token) {
        int n = list.length();
        int i = 0;
        while (i < n) {
            int end = i;
            while (end < n && list.charAt(end) != ',') {
                end++;
            }
            int s = i;
            int e = end;
            while (s < e && list.charAt(s) == ' ' || s < e && list.charAt(s) == '\t') {
                s++;
            }
            while (e > s && (list.charAt(e - 1) == ' ' || list.charAt(e - 1) == '\t')) {
                e--;
            }
            if (e - s == token.length() && AsciiString.regionMatches(list, true, s, token, 0, token.length())) {
                return true;
            }
            i = end + 1;
        }
        return false;
    }
}
