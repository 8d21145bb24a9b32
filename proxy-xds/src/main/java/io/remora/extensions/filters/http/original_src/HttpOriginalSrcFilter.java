package io.remora.extensions.filters.http.original_src;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamDecoderFilter;
import io.remora.network.FilterState;
import io.remora.network.OriginalSource;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Envoy's HTTP original_src for one request: its upstream connections bind the downstream's IP
 * (the stream's remote address, so after XFF or original IP detection; port 0) on transparent
 * sockets. The router keys the pool by that binding, so connections are not shared across sources.
 */
final class HttpOriginalSrcFilter implements StreamDecoderFilter {

    private final int mark;
    private DecoderFilterCallbacks cb;

    HttpOriginalSrcFilter(int mark) {
        this.mark = mark;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.cb = callbacks;
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        SocketAddress remote = cb.streamInfo().downstreamRemoteAddress;
        if (remote == null && cb.connection() != null) {
            remote = cb.connection().remoteAddress();
        }
        // As Envoy: only an IP peer has an address to bind (not a pipe or an internal listener's).
        if (remote instanceof InetSocketAddress ip && ip.getAddress() != null) {
            cb.filterState().set(OriginalSource.FILTER_STATE_KEY,
                    new OriginalSource(new InetSocketAddress(ip.getAddress(), 0), mark), FilterState.Mutability.MUTABLE);
        }
        return FilterStatus.CONTINUE;
    }
}
