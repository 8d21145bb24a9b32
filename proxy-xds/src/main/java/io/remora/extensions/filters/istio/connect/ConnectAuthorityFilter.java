package io.remora.extensions.filters.istio.connect;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamDecoderFilter;
import io.remora.network.FilterState;
import io.remora.network.InternalDstAuthority;

/**
 * istio-proxy's {@code connect_authority}: on a route whose config enables it, the request's
 * authority goes to the filter state, shared with the upstream connection, where the internal
 * listener's {@code istio.set_internal_dst_address} takes it as the connection's destination
 * (a sidecar's HBONE inbound: CONNECT to 15008, then main_internal).
 */
final class ConnectAuthorityFilter implements StreamDecoderFilter {

    private DecoderFilterCallbacks cb;

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.cb = callbacks;
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        if (cb.perFilterConfig() instanceof ConnectAuthorityRouteConfig c && c.enabled() && headers.authority() != null) {
            cb.filterState().set(InternalDstAuthority.KEY,
                    new InternalDstAuthority(headers.authority().toString(), c.port()), FilterState.Mutability.MUTABLE,
                    FilterState.Sharing.SHARED_WITH_UPSTREAM_CONNECTION);
        }
        return FilterStatus.CONTINUE;
    }
}
