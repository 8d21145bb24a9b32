package io.remora.http.router;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.NetUtil;
import io.remora.config.AutoSniConfig;
import io.remora.upstream.UpstreamTlsNames;

import java.util.List;

/**
 * Envoy's router under {@code upstream_http_protocol_options}: the host of the request (its
 * {@code :authority} after the route's rewrites, or the {@code override_auto_sni_header} when
 * present and not empty) becomes the SNI ({@code auto_sni}, not for an IP address) and the SAN
 * the upstream certificate must carry ({@code auto_san_validation}). Computed once per request,
 * only for clusters that ask.
 */
public final class AutoSniNames {

    private AutoSniNames() {
    }

    /** The names a request to {@code cluster} uses; null (nothing computed) unless the cluster asks and speaks TLS. */
    static UpstreamTlsNames forCluster(io.remora.upstream.Cluster cluster, Http2Headers headers) {
        AutoSniConfig c = cluster.config().autoSni();
        return c == null || cluster.transportSocketFactory() == io.remora.upstream.TransportSocketFactory.RAW ? null
                : of(c, headers);
    }

    /** The names for this request, or null when it has no usable host. */
    static UpstreamTlsNames of(AutoSniConfig config, Http2Headers headers) {
        CharSequence value = null;
        if (config.overrideHeader() != null) {
            List<CharSequence> all = headers.getAll(config.overrideHeader());
            if (!all.isEmpty()) {
                // Envoy joins repeated headers with ','.
                String joined = all.size() == 1 ? all.get(0).toString() : String.join(",", all);
                value = joined.isEmpty() ? null : joined;
            }
        }
        if (value == null) {
            value = headers.authority();
        }
        if (value == null || value.length() == 0) {
            return null;
        }
        String host = host(value.toString());
        if (host.isEmpty()) {
            return null;
        }
        boolean ip = NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host);
        String sni = config.autoSni() && !ip ? host : null;
        List<String> san = config.autoSanValidation() ? List.of(host) : null;
        return sni == null && san == null ? null : new UpstreamTlsNames(sni, san);
    }

    /**
     * The names a gRPC client's channel with a fixed {@code authority} is made for, as Envoy's router
     * makes them for each of its streams: {@code auto_sni}'s SNI (see {@link #sni}) and
     * {@code auto_san_validation}'s SAN, the authority's host (an IP address too); null when the
     * cluster asks for neither.
     */
    public static UpstreamTlsNames forAuthority(AutoSniConfig config, String authority) {
        if (config == null || authority == null) {
            return null;
        }
        String host = host(authority);
        List<String> san = config.autoSanValidation() && !host.isEmpty() ? List.of(host) : null;
        String sni = sni(config, authority);
        return sni == null && san == null ? null : new UpstreamTlsNames(sni, san);
    }

    /**
     * The SNI {@code auto_sni} takes from a fixed {@code authority} (a gRPC client's channel), or null: the cluster
     * does not ask, or the host is an IP address. The override header is a request's, which such a channel lacks.
     */
    public static String sni(AutoSniConfig config, String authority) {
        if (config == null || !config.autoSni() || authority == null) {
            return null;
        }
        String host = host(authority);
        boolean ip = NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host);
        return host.isEmpty() || ip ? null : host;
    }

    /**
     * Envoy's {@code Utility::parseAuthority}: the host without a port of 0-65535 after the last
     * ':' (none when the value ends in ']'), an IPv6 literal without its brackets.
     */
    public static String host(String authority) {
        String host = authority;
        int colon = authority.lastIndexOf(':');
        if (colon >= 0 && !authority.endsWith("]")) {
            String port = authority.substring(colon + 1);
            if (!port.isEmpty() && port.length() <= 5 && port.chars().allMatch(c -> c >= '0' && c <= '9')
                    && Integer.parseInt(port) <= 65535) {
                host = authority.substring(0, colon);
            }
        }
        if (host.length() > 1 && host.startsWith("[") && host.endsWith("]")
                && NetUtil.isValidIpV6Address(host.substring(1, host.length() - 1))) {
            host = host.substring(1, host.length() - 1);
        }
        return host;
    }
}
