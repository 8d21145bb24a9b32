package io.remora.extensions.filters.istio.connect;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.extensions.filters.istio.common.PeerState;
import io.remora.extensions.filters.istio.common.WorkloadMetadata;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamDecoderFilter;
import io.remora.network.FilterState;

import java.util.List;

/**
 * istio-proxy's {@code connect_baggage}: a CONNECT's {@code baggage} header names the downstream
 * peer's workload, left in the filter state shared with the upstream connection, so the stats
 * filter of the internal listener behind the tunnel reports the real source workload.
 */
final class ConnectBaggageFilter implements StreamDecoderFilter {

    private DecoderFilterCallbacks cb;

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.cb = callbacks;
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        List<CharSequence> all = headers.getAll("baggage");
        if (all.isEmpty()) {
            return FilterStatus.CONTINUE;
        }
        FilterState state = cb.filterState();
        WorkloadMetadata peer = WorkloadMetadata.fromBaggage(String.join(",", all));
        if (peer != null) {
            state.set(PeerState.WASM_DOWNSTREAM_PEER, peer, FilterState.Mutability.MUTABLE,
                    FilterState.Sharing.SHARED_WITH_UPSTREAM_CONNECTION);
        }
        state.set(PeerState.WASM_DOWNSTREAM_PEER_ID, "unknown", FilterState.Mutability.MUTABLE,
                FilterState.Sharing.SHARED_WITH_UPSTREAM_CONNECTION);
        return FilterStatus.CONTINUE;
    }
}
