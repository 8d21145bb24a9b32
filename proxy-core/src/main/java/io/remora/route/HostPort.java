package io.remora.route;

/**
 * A Host (:authority) value's port as Envoy's HeaderUtility reads it, and the connection
 * manager's host normalization ({@code strip_trailing_host_dot}, {@code strip_*_host_port}).
 */
public final class HostPort {

    private HostPort() {
    }

    /**
     * Envoy's {@code HeaderUtility::getPortStart}: the index of the ':' before a numeric port, or -1
     * (an IPv6 literal's colons are inside "[...]").
     */
    public static int portStart(CharSequence host) {
        int colon = -1;
        int bracket = -1;
        for (int i = host.length() - 1; i >= 0; i--) {
            char c = host.charAt(i);
            if (c == ':' && colon < 0) {
                colon = i;
            } else if (c == ']') {
                bracket = i;
                break;
            }
        }
        if (colon < 0 || (bracket >= 0 && bracket > colon) || colon + 1 >= host.length()) {
            return -1;
        }
        long port = 0;
        for (int i = colon + 1; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c < '0' || c > '9' || (port = port * 10 + (c - '0')) > 0xFFFFFFFFL) {
                return -1;
            }
        }
        return colon;
    }

    /**
     * Envoy's {@code stripTrailingHostDot}: the host without the dot that ends its name (before
     * any port), or null when there is none.
     */
    public static String withoutTrailingDot(CharSequence host) {
        int port = portStart(host);
        int end = port >= 0 ? port : host.length();
        if (end == 0 || host.charAt(end - 1) != '.') {
            return null;
        }
        return host.subSequence(0, end - 1).toString() + host.subSequence(end, host.length());
    }

    /**
     * Envoy's {@code stripPortFromHost}: the host without its numeric port, or null when it has
     * none or (with {@code onlyPort} &gt;= 0) another one.
     */
    public static String withoutPort(CharSequence host, int onlyPort) {
        int start = portStart(host);
        if (start < 0) {
            return null;
        }
        if (onlyPort >= 0) {
            long port = Long.parseLong(host.subSequence(start + 1, host.length()).toString());
            if (port != onlyPort) {
                return null;
            }
        }
        return host.subSequence(0, start).toString();
    }

    /**
     * Filter state key of the port strip_*_host_port took from a CONNECT's authority (Envoy's
     * Router::OriginalConnectPort): the router puts it back on the request it sends upstream.
     */
    public static final String ORIGINAL_CONNECT_PORT = "envoy.router.original_connect_port";

    /**
     * As Envoy's finalizeRequestHeaders after the request headers are added and before the host
     * rewrites: a CONNECT whose port was stripped gets it back when its host has none.
     */
    public static void restoreConnectPort(io.netty.handler.codec.http2.Http2Headers headers,
                                          HeaderFormatter.Context context) {
        io.remora.accesslog.StreamInfo info = context == null ? null : context.streamInfo();
        io.remora.network.FilterState state = info == null ? null : info.filterState();
        Long port = state == null ? null : state.get(ORIGINAL_CONNECT_PORT, Long.class);
        CharSequence host = headers.authority();
        if (port != null && host != null && portStart(host) < 0) {
            headers.authority(host + ":" + port);
        }
    }

    private static final io.netty.util.AsciiString X_FORWARDED_HOST = io.netty.util.AsciiString.cached("x-forwarded-host");
    private static final io.netty.util.AsciiString X_ENVOY_ORIGINAL_HOST =
            io.netty.util.AsciiString.cached("x-envoy-original-host");

    /**
     * Envoy's updateAuthority: the Host becomes {@code host}. A non-empty old Host is kept in
     * x-envoy-original-host when {@code keepOld}, and with {@code appendForwardedHost} appended to
     * x-forwarded-host unless it is already that list's last element.
     */
    public static void rewrite(io.netty.handler.codec.http2.Http2Headers headers, CharSequence host,
                               boolean appendForwardedHost, boolean keepOld) {
        CharSequence old = headers.authority();
        if (old != null && old.length() > 0) {
            String oldHost = old.toString();
            if (keepOld) {
                headers.set(X_ENVOY_ORIGINAL_HOST, oldHost);
            }
            if (appendForwardedHost) {
                CharSequence xfh = headers.get(X_FORWARDED_HOST);
                String last = xfh == null ? null : lastElement(xfh.toString());
                if (last == null) {
                    headers.set(X_FORWARDED_HOST, oldHost);
                } else if (!last.equals(oldHost)) {
                    headers.set(X_FORWARDED_HOST, xfh + "," + oldHost);
                }
            }
        }
        headers.authority(host);
    }

    /**
     * The last element of a comma-separated list as absl::StrSplit(.., ',', SkipWhitespace) gives
     * it: untrimmed, elements of only whitespace skipped; null when there is none.
     */
    private static String lastElement(String list) {
        int end = list.length();
        while (end >= 0) {
            int start = list.lastIndexOf(',', end - 1) + 1;
            if (!list.substring(start, end).isBlank()) {
                return list.substring(start, end);
            }
            if (start == 0) {
                return null;
            }
            end = start - 1;
        }
        return null;
    }
}
