package io.remora.extensions.filters.http.stateful_session;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.NetUtil;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamFilter;
import io.remora.network.FilterState;
import io.remora.upstream.OverrideHost;
import io.remora.upstream.lb.RequestHash;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Envoy's stateful session filter for one request: the header holds the base64 of the upstream
 * host's "ip:port", the cookie the base64 of a {@link SessionCookie}; the load balancer is asked
 * for that host (strict: that host or 503), and the response carries the new value when the host
 * that answered is another.
 */
final class StatefulSessionFilter implements StreamFilter {

    private final StatefulSessionConfig filterConfig;
    private DecoderFilterCallbacks cb;
    private EncoderFilterCallbacks ecb;
    /** The route's or the filter's config once the request is decoded; null when inactive. */
    private StatefulSessionConfig active;
    /** The "ip:port" the request's session named, or null. */
    private String sessionAddress;

    StatefulSessionFilter(StatefulSessionConfig config) {
        this.filterConfig = config;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.cb = callbacks;
    }

    @Override
    public void setEncoderFilterCallbacks(EncoderFilterCallbacks callbacks) {
        this.ecb = callbacks;
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        StatefulSessionConfig config = cb.perFilterConfig() instanceof StatefulSessionConfig route ? route : filterConfig;
        if (config.disabled() || config.cookieName() != null && !config.pathMatches(headers.path())) {
            return FilterStatus.CONTINUE;
        }
        active = config;
        CharSequence encoded = config.cookieName() != null ? RequestHash.cookie(headers, config.cookieName())
                : headers.get(config.headerName());
        if (encoded == null || encoded.length() == 0) {
            return FilterStatus.CONTINUE;
        }
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(encoded.toString());
        } catch (IllegalArgumentException e) {
            return FilterStatus.CONTINUE; // not base64: no session, as Envoy's empty decode
        }
        sessionAddress = config.cookieName() != null ? SessionCookie.address(decoded, SessionCookie.nowSeconds())
                : new String(decoded, StandardCharsets.UTF_8);
        if (sessionAddress == null || sessionAddress.isEmpty()) {
            sessionAddress = null;
            return FilterStatus.CONTINUE; // none, or expired: balanced as usual and a new cookie set
        }
        InetSocketAddress address = OverrideHost.parse(sessionAddress);
        if (address != null) {
            cb.filterState().set(OverrideHost.FILTER_STATE_KEY, new OverrideHost(address, config.strict()),
                    FilterState.Mutability.MUTABLE);
        } else if (config.strict()) {
            // An address no host can have: strict mode still refuses other hosts.
            cb.filterState().set(OverrideHost.FILTER_STATE_KEY,
                    new OverrideHost(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), true),
                    FilterState.Mutability.MUTABLE);
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeHeaders(Http2Headers headers, boolean endStream) {
        StatefulSessionConfig config = active;
        SocketAddress host = config == null ? null : ecb.streamInfo().upstreamHost;
        if (host == null) {
            return FilterStatus.CONTINUE;
        }
        String address = RequestHash.asString(host);
        if (address.equals(sessionAddress)) {
            return FilterStatus.CONTINUE;
        }
        if (config.cookieName() != null) {
            long ttl = config.cookieTtl().toSeconds();
            String encoded = Base64.getEncoder().encodeToString(
                    SessionCookie.encode(address, ttl == 0 ? 0 : SessionCookie.nowSeconds() + ttl));
            headers.add("set-cookie", RequestHash.setCookieValue(config.cookieName(), encoded,
                    config.cookiePath(), config.cookieTtl()));
        } else {
            headers.set(config.headerName(), Base64.getEncoder().encodeToString(address.getBytes(StandardCharsets.UTF_8)));
        }
        return FilterStatus.CONTINUE;
    }
}
