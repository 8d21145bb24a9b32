package io.remora.extensions.filters.http.grpc_stats;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamFilter;
import io.remora.network.FilterState;

/**
 * Envoy's gRPC statistics filter for one stream: counts calls (success / failure / total by the
 * grpc-status of trailers or a trailers-only response) and request and response messages, under
 * {@code cluster.<route target cluster>.grpc.[<service>.<method>.]}, and optionally leaves the
 * message counts in filter state.
 */
final class GrpcStatsFilter implements StreamFilter {

    private static final AsciiString CONTENT_TYPE = AsciiString.cached("content-type");
    private static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
    private static final String APPLICATION_GRPC = "application/grpc";

    private final GrpcStatsConfig config;
    private final GrpcStatsRegistry registry;
    private DecoderFilterCallbacks decoder;
    private GrpcStatsRegistry.CallStats stats;
    private final GrpcMessageCounter requests = new GrpcMessageCounter();
    private final GrpcMessageCounter responses = new GrpcMessageCounter();
    private MessageCounts filterState;
    private boolean charged;

    GrpcStatsFilter(GrpcStatsConfig config, GrpcStatsRegistry registry) {
        this.config = config;
        this.registry = registry;
    }

    /** The object {@code emit_filter_state} leaves: Envoy's text form "requests,responses". */
    static final class MessageCounts {
        long requestMessageCount;
        long responseMessageCount;

        @Override
        public String toString() {
            return requestMessageCount + "," + responseMessageCount;
        }
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
        CharSequence ct = headers.get(CONTENT_TYPE);
        CharSequence path = headers.path();
        if (ct == null || !AsciiString.regionMatches(ct, true, 0, APPLICATION_GRPC, 0, APPLICATION_GRPC.length())
                || path == null) {
            return FilterStatus.CONTINUE; // not gRPC: nothing to count
        }
        String cluster = decoder.clusterName();
        if (cluster == null) {
            return FilterStatus.CONTINUE;
        }
        // :path is /<package.Service>/<Method>; anything else counts without a method.
        String p = path.toString();
        int slash = p.indexOf('/', 1);
        String service = null;
        String method = null;
        if (p.startsWith("/") && slash > 1 && slash < p.length() - 1 && p.indexOf('/', slash + 1) < 0) {
            service = p.substring(1, slash);
            method = p.substring(slash + 1);
        }
        boolean individual = service != null && config.individual(service, method);
        stats = registry.stats(cluster, individual ? service : null, individual ? method : null);
        if (config.emitFilterState()) {
            filterState = new MessageCounts();
            decoder.filterState().set(GrpcStatsConfig.NAME, filterState, FilterState.Mutability.MUTABLE);
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus decodeData(ByteBuf data, boolean endStream) {
        if (stats != null) {
            long n = requests.feed(data);
            if (n > 0) {
                stats.requestMessages.increment(n);
                if (filterState != null) {
                    filterState.requestMessageCount = requests.count();
                }
            }
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeHeaders(Http2Headers headers, boolean endStream) {
        if (stats != null && endStream) {
            charge(headers); // trailers-only response: grpc-status is in the headers
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeData(ByteBuf data, boolean endStream) {
        if (stats != null) {
            long n = responses.feed(data);
            if (n > 0) {
                stats.responseMessages.increment(n);
                if (filterState != null) {
                    filterState.responseMessageCount = responses.count();
                }
            }
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeTrailers(Http2Headers trailers) {
        if (stats != null) {
            charge(trailers);
        }
        return FilterStatus.CONTINUE;
    }

    /** As Envoy's chargeStat: a response without grpc-status is not counted at all. */
    private void charge(Http2Headers statusFrom) {
        CharSequence status = statusFrom.get(GRPC_STATUS);
        if (charged || status == null) {
            return;
        }
        charged = true;
        boolean success = status != null && status.length() == 1 && status.charAt(0) == '0';
        (success ? stats.success : stats.failure).increment();
        stats.total.increment();
        if (config.upstreamStats() && decoder.streamInfo().upstreamServiceTimeNanos >= 0) {
            stats.upstreamRqTime.record((System.nanoTime() - decoder.streamInfo().startNanos) / 1_000_000.0);
        }
    }
}
