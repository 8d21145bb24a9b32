package io.remora.extensions.filters.istio.peer_metadata;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.extensions.filters.istio.common.LocalWorkload;
import io.remora.extensions.filters.istio.common.PeerMetadataCodec;
import io.remora.extensions.filters.istio.common.PeerState;
import io.remora.extensions.filters.istio.common.WorkloadMetadata;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamFilter;

import java.util.List;

/**
 * One stream's metadata exchange: the request's {@code x-envoy-peer-metadata(-id)} (or
 * {@code baggage}) tell who the downstream peer is, the response's who the upstream peer is; the
 * exchange headers are removed once read and this workload's own are added where configured.
 * Results go to filter state for the stats filter.
 */
final class PeerMetadataFilter implements StreamFilter {

    private final PeerMetadataConfig config;
    private DecoderFilterCallbacks decoder;
    private boolean peerReceived;
    private boolean peerIdReceived;

    PeerMetadataFilter(PeerMetadataConfig config) {
        this.config = config;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.decoder = callbacks;
    }

    @Override
    public void setEncoderFilterCallbacks(EncoderFilterCallbacks callbacks) {
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        peerIdReceived = nonEmpty(headers.get(PeerMetadataCodec.HEADER_ID));
        peerReceived = nonEmpty(headers.get(PeerMetadataCodec.HEADER));
        discover(headers, true, config.downstreamDiscovery());
        if (config.upstreamPropagation() && !skip()) {
            LocalWorkload local = LocalWorkload.of(decoder.serverContext());
            headers.set(PeerMetadataCodec.HEADER_ID, local.nodeId());
            headers.set(PeerMetadataCodec.HEADER, local.headerValue());
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeHeaders(Http2Headers headers, boolean endStream) {
        discover(headers, false, config.upstreamDiscovery());
        if (config.downstreamPropagation()) {
            LocalWorkload local = LocalWorkload.of(decoder.serverContext());
            if (peerIdReceived) {
                headers.set(PeerMetadataCodec.HEADER_ID, local.nodeId());
            }
            if (peerReceived) {
                headers.set(PeerMetadataCodec.HEADER, local.headerValue());
            }
        }
        return FilterStatus.CONTINUE;
    }

    private void discover(Http2Headers headers, boolean downstream, List<PeerMetadataConfig.Method> methods) {
        if (methods.isEmpty()) {
            return;
        }
        WorkloadMetadata found = null;
        String id = null;
        for (PeerMetadataConfig.Method m : methods) {
            if (m == PeerMetadataConfig.Method.ISTIO_HEADERS) {
                CharSequence v = headers.get(PeerMetadataCodec.HEADER);
                if (nonEmpty(v)) {
                    found = PeerMetadataCodec.fromHeader(v.toString());
                    CharSequence i = headers.get(PeerMetadataCodec.HEADER_ID);
                    id = i == null ? null : i.toString();
                }
            } else if (m == PeerMetadataConfig.Method.BAGGAGE) {
                List<CharSequence> all = headers.getAll("baggage");
                if (!all.isEmpty()) {
                    found = WorkloadMetadata.fromBaggage(String.join(",", all));
                }
            }
            if (found != null) {
                PeerState.set(decoder.filterState(), downstream, found, id);
                break;
            }
        }
        if (methods.contains(PeerMetadataConfig.Method.ISTIO_HEADERS)) {
            headers.remove(PeerMetadataCodec.HEADER);
            headers.remove(PeerMetadataCodec.HEADER_ID);
        }
    }

    private boolean skip() {
        return config.skipExternalClusters() && "PassthroughCluster".equals(decoder.clusterName());
    }

    private static boolean nonEmpty(CharSequence v) {
        return v != null && v.length() > 0;
    }
}
