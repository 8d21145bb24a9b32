package io.remora.extensions.filters.http.on_demand;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.RouteFilterConfig;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamDecoderFilter;

/**
 * Envoy's OnDemandRouteUpdate: a request no route matches waits for VHDS to answer for its host, a route to
 * a cluster not yet known (with {@code odcds}) for on-demand CDS to bring it. When VHDS brings the host the
 * request runs again from the start (recreateStream; not once its body has arrived, as Envoy); a cluster
 * on-demand CDS brought is simply used, the request going on from here (Envoy 1.38's
 * on_demand_cluster_no_recreate_stream: the filters before this one do not run twice). Otherwise it goes
 * on and the router answers 404 NR or 503 NC as without this filter.
 */
final class OnDemandFilter implements StreamDecoderFilter {

    private final OnDemandConfig config;
    private DecoderFilterCallbacks cb;
    private boolean stopped;
    /** decodeHeaders is still on the stack: an answer given at once must not call continueDecoding. */
    private boolean inDecodeHeaders;
    private boolean destroyed;

    OnDemandFilter(OnDemandConfig config) {
        this.config = config;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.cb = callbacks;
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        RouteFilterConfig perRoute = cb.route() == null ? null : cb.perFilterConfig();
        OnDemandConfig effective = perRoute instanceof OnDemandConfig c ? c : config;
        if (cb.route() == null) {
            stopped = true;
            inDecodeHeaders = true;
            boolean asked = cb.requestRouteConfigUpdate(this::onRouteConfigUpdated);
            inDecodeHeaders = false;
            if (!asked) {
                stopped = false;
            }
            return stopped ? FilterStatus.STOP_ITERATION : FilterStatus.CONTINUE;
        }
        if (effective.odcdsTimeout() != null) {
            return onDemandCluster(effective);
        }
        return FilterStatus.CONTINUE;
    }

    private FilterStatus onDemandCluster(OnDemandConfig effective) {
        String cluster = cb.clusterName();
        // a redirect or direct response, a cluster header absent, a cluster already known: nothing to fetch
        if (cluster == null || cluster.isEmpty() || cb.serverContext().clusterManager().get(cluster) != null) {
            return FilterStatus.CONTINUE;
        }
        stopped = cb.serverContext().onDemand().requestCluster(cluster, effective.odcdsTimeout(),
                status -> cb.eventLoop().execute(() -> onClusterDiscovered(
                        status == io.remora.server.ClusterDiscoveryStatus.AVAILABLE)));
        return stopped ? FilterStatus.STOP_ITERATION : FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus decodeData(ByteBuf data, boolean endStream) {
        return stopped ? FilterStatus.STOP_ITERATION_AND_BUFFER : FilterStatus.CONTINUE;
    }

    private void onRouteConfigUpdated(boolean routeExists) {
        if (destroyed) {
            return;
        }
        if (inDecodeHeaders) {
            stopped = false; // answered at once: decodeHeaders goes on itself, as Envoy's filter does
            return;
        }
        resume(routeExists);
    }

    private void onClusterDiscovered(boolean available) {
        if (!destroyed) {
            stopped = false;
            cb.continueDecoding();
        }
    }

    /** Runs the request again when the answer brought what was missing; otherwise lets it go on as it is. */
    private void resume(boolean found) {
        stopped = false;
        if (found && cb.decodingBuffer() == null && cb.recreateStream(null)) {
            return;
        }
        cb.continueDecoding();
    }

    @Override
    public void onDestroy() {
        destroyed = true;
    }
}
