package io.remora.accesslog;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

import static io.remora.accesslog.FormatOps.num;
import static io.remora.accesslog.FormatOps.str;

/**
 * Envoy's operators on where the stream went and came in (stream_info_formatter.cc): the
 * downstream's remote and local addresses (the stream's and the socket's own), the upstream's
 * host, remote and local addresses, host name and protocol, and the hosts the tries went to.
 * {@link AccessLogOperators} asks here for a name its own table does not hold.
 */
final class AddressOperators {
    private AddressOperators() {
    }

    /** The operator, or null when {@code name} is not one of these. */
    static FormatOps.Op of(String name, int maxLen) {
        return switch (name) {
            case "DOWNSTREAM_REMOTE_ADDRESS" ->
                    str(i -> AccessLogFormatter.address(i.downstreamRemoteAddress, true), maxLen);
            case "DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT" ->
                    str(i -> AccessLogFormatter.address(i.downstreamRemoteAddress, false), maxLen);
            case "DOWNSTREAM_REMOTE_PORT" -> num(i -> port(i.downstreamRemoteAddress));
            case "DOWNSTREAM_DIRECT_REMOTE_ADDRESS" -> str(i -> AccessLogFormatter.address(direct(i), true), maxLen);
            case "DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT" ->
                    str(i -> AccessLogFormatter.address(direct(i), false), maxLen);
            case "DOWNSTREAM_DIRECT_REMOTE_PORT" -> num(i -> port(direct(i)));
            case "DOWNSTREAM_LOCAL_ADDRESS" ->
                    str(i -> AccessLogFormatter.address(i.downstreamLocalAddress, true), maxLen);
            case "DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT" ->
                    str(i -> AccessLogFormatter.address(i.downstreamLocalAddress, false), maxLen);
            case "DOWNSTREAM_LOCAL_PORT" -> num(i -> port(i.downstreamLocalAddress));
            case "UPSTREAM_HOST" -> str(i -> AccessLogFormatter.address(i.upstreamHost, true), maxLen);
            case "UPSTREAM_LOCAL_ADDRESS" -> str(i -> AccessLogFormatter.address(i.upstreamLocalAddress, true), maxLen);
            case "UPSTREAM_LOCAL_ADDRESS_WITHOUT_PORT" ->
                    str(i -> AccessLogFormatter.address(i.upstreamLocalAddress, false), maxLen);
            case "UPSTREAM_LOCAL_PORT" -> num(i -> port(i.upstreamLocalAddress));
            case "UPSTREAM_REMOTE_ADDRESS" -> str(i -> AccessLogFormatter.address(upstreamRemote(i), true), maxLen);
            case "UPSTREAM_REMOTE_ADDRESS_WITHOUT_PORT" ->
                    str(i -> AccessLogFormatter.address(upstreamRemote(i), false), maxLen);
            case "UPSTREAM_REMOTE_PORT" -> num(i -> port(upstreamRemote(i)));
            case "UPSTREAM_HOST_NAME" -> str(AddressOperators::upstreamHostName, maxLen);
            case "UPSTREAM_HOST_NAME_WITHOUT_PORT" -> str(i -> withoutPort(upstreamHostName(i)), maxLen);
            case "UPSTREAM_PROTOCOL" -> str(StreamInfo::upstreamProtocol, maxLen);
            case "DOWNSTREAM_DIRECT_LOCAL_ADDRESS" ->
                    str(i -> AccessLogFormatter.address(i.downstreamDirectLocalAddress(), true), maxLen);
            case "DOWNSTREAM_DIRECT_LOCAL_ADDRESS_WITHOUT_PORT" ->
                    str(i -> AccessLogFormatter.address(i.downstreamDirectLocalAddress(), false), maxLen);
            case "DOWNSTREAM_DIRECT_LOCAL_PORT" -> num(i -> port(i.downstreamDirectLocalAddress()));
            // Envoy 1.38: every host and connection the stream tried, in order, joined by ','.
            case "UPSTREAM_HOSTS_ATTEMPTED" -> str(i -> eachHost(i, h -> AccessLogFormatter.address(h.address(), true)),
                    maxLen);
            case "UPSTREAM_HOSTS_ATTEMPTED_WITHOUT_PORT" ->
                    str(i -> eachHost(i, h -> AccessLogFormatter.address(h.address(), false)), maxLen);
            case "UPSTREAM_HOST_NAMES_ATTEMPTED" -> str(i -> eachHost(i, AddressOperators::hostName), maxLen);
            case "UPSTREAM_HOST_NAMES_ATTEMPTED_WITHOUT_PORT" ->
                    str(i -> eachHost(i, h -> withoutPort(hostName(h))), maxLen);
            case "UPSTREAM_CONNECTION_IDS_ATTEMPTED" -> str(i -> {
                java.util.List<Long> ids = i.upstreamConnectionIdsAttempted();
                return ids.isEmpty() ? null : ids.stream().map(String::valueOf)
                        .collect(java.util.stream.Collectors.joining(","));
            }, maxLen);
            default -> null;
        };
    }

    private static String eachHost(StreamInfo i, java.util.function.Function<UpstreamAttempts.Host, String> f) {
        java.util.List<UpstreamAttempts.Host> hosts = i.upstreamHostsAttempted();
        if (hosts == null) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        for (UpstreamAttempts.Host h : hosts) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(f.apply(h));
        }
        return sb.toString();
    }

    /** As %UPSTREAM_HOST_NAME%: the endpoint's hostname, or its address when it has none. */
    private static String hostName(UpstreamAttempts.Host h) {
        return h.hostname() == null || h.hostname().isEmpty() ? AccessLogFormatter.address(h.address(), true)
                : h.hostname();
    }

    /** The socket peer; TCP streams and tests that set only the remote address have no separate one. */
    static SocketAddress direct(StreamInfo i) {
        return i.downstreamDirectRemoteAddress != null ? i.downstreamDirectRemoteAddress : i.downstreamRemoteAddress;
    }

    static long port(SocketAddress a) {
        return a instanceof InetSocketAddress in ? in.getPort() : -1;
    }

    /** The address connected to: with happy eyeballs, maybe not the host's own. */
    static SocketAddress upstreamRemote(StreamInfo i) {
        return i.upstreamRemoteAddress() != null ? i.upstreamRemoteAddress() : i.upstreamHost;
    }

    /** As Envoy's: the host's hostname, or its address when it has none. */
    private static String upstreamHostName(StreamInfo i) {
        if (i.upstreamHost == null) {
            return null;
        }
        String name = i.upstreamHostName;
        return name == null || name.isEmpty() ? AccessLogFormatter.address(i.upstreamHost, true) : name;
    }

    /**
     * Envoy's HeaderUtility::stripPortFromHost: drops a numeric ":port" after the last ':' unless
     * that ':' is inside an IPv6 literal's brackets.
     */
    static String withoutPort(String host) {
        if (host == null) {
            return null;
        }
        int colon = host.lastIndexOf(':');
        if (colon < 0 || host.lastIndexOf(']') > colon || colon + 1 >= host.length()) {
            return host;
        }
        for (int k = colon + 1; k < host.length(); k++) {
            if (host.charAt(k) < '0' || host.charAt(k) > '9') {
                return host;
            }
        }
        return Long.parseLong(host, colon + 1, host.length(), 10) > 0xFFFFFFFFL ? host : host.substring(0, colon);
    }
}
