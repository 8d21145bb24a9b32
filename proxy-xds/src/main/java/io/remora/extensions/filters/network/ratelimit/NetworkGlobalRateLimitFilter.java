package io.remora.extensions.filters.network.ratelimit;

import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.remora.extensions.filters.http.common.DescriptorEntry;
import io.remora.extensions.filters.http.ratelimit.LimitResult;
import io.remora.extensions.filters.http.ratelimit.RateLimitClient;
import io.remora.http.upstream.Cancellable;
import io.remora.network.ConnectionFilter;
import io.remora.network.ConnectionFilterCallbacks;
import io.remora.network.NetworkFilterStatus;
import io.remora.route.HeaderFormatter;

import io.remora.accesslog.StreamInfo;
import java.util.ArrayList;
import java.util.List;

/**
 * Envoy's network rate limit filter on one connection: when it opens, the rate limit service is
 * asked about the configured descriptors (their values formatted for this connection) while its
 * bytes wait (held by the filter manager: the filter reads none, so an allowed connection may
 * still be spliced); OVER_LIMIT closes it (unless runtime {@code ratelimit.tcp_filter_enforcing} is off),
 * an error closes it only with failure_mode_deny.
 */
final class NetworkGlobalRateLimitFilter implements ConnectionFilter, HeaderFormatter.Context {

    private enum State { NOT_STARTED, CALLING, COMPLETE }

    private final NetworkGlobalRateLimitFilterProvider.Shared shared;
    private ConnectionFilterCallbacks cb;
    private State state = State.NOT_STARTED;
    private Cancellable inFlight;
    private boolean callingNow;
    private StreamInfo info;

    NetworkGlobalRateLimitFilter(NetworkGlobalRateLimitFilterProvider.Shared shared) {
        this.shared = shared;
    }

    @Override
    public void initialize(ConnectionFilterCallbacks callbacks) {
        this.cb = callbacks;
    }

    @Override
    public NetworkFilterStatus onNewConnection() {
        if (!cb.serverContext().runtime().featureEnabled("ratelimit.tcp_filter_enabled", 100)) {
            state = State.COMPLETE;
            return NetworkFilterStatus.CONTINUE;
        }
        state = State.CALLING;
        shared.stats().active.incrementAndGet();
        shared.stats().total.increment();
        callingNow = true;
        Cancellable c = shared.client().limit(request(), cb.channel().eventLoop(), cb.serverContext(), this::complete);
        callingNow = false;
        if (state == State.CALLING) {
            inFlight = c;
        }
        return state == State.CALLING ? NetworkFilterStatus.STOP_ITERATION : NetworkFilterStatus.CONTINUE;
    }

    private RateLimitRequest request() {
        List<List<DescriptorEntry>> configured = shared.config().descriptors();
        List<List<DescriptorEntry>> formatted = new ArrayList<>(configured.size());
        for (int i = 0; i < configured.size(); i++) {
            List<DescriptorEntry> entries = new ArrayList<>(configured.get(i).size());
            for (int j = 0; j < configured.get(i).size(); j++) {
                entries.add(new DescriptorEntry(configured.get(i).get(j).key(), shared.values()[i][j].format(null, this)));
            }
            formatted.add(entries);
        }
        return RateLimitClient.request(shared.config().domain(), formatted, null, null, 0);
    }

    private void complete(LimitResult r) {
        if (state != State.CALLING) {
            return;
        }
        inFlight = null;
        state = State.COMPLETE;
        NetworkGlobalRateLimitFilterProvider.Stats stats = shared.stats();
        stats.active.decrementAndGet();
        switch (r.status()) {
            case OK -> stats.ok.increment();
            case ERROR -> stats.error.increment();
            case OVER_LIMIT -> stats.overLimit.increment();
        }
        if (r.status() == LimitResult.Status.OVER_LIMIT
                && cb.serverContext().runtime().featureEnabled("ratelimit.tcp_filter_enforcing", 100)) {
            stats.cxClosed.increment();
            cb.close("ratelimit_close_over_limit");
        } else if (r.status() == LimitResult.Status.ERROR && shared.config().failureModeDeny()) {
            stats.cxClosed.increment();
            cb.close("ratelimit_error_failure_mode_connection_close");
        } else {
            if (r.status() == LimitResult.Status.ERROR) {
                stats.failureModeAllowed.increment();
            }
            if (!callingNow) {
                cb.continueReading();
                // Bytes held meanwhile go on without a read-complete event, which tcp_proxy
                // flushes on: without this they would wait for the client's next read.
                cb.channel().pipeline().fireChannelReadComplete();
            }
        }
    }

    @Override
    public void onClose() {
        if (inFlight != null) {
            inFlight.cancel();
            inFlight = null;
        }
        if (state == State.CALLING) {
            shared.stats().active.decrementAndGet();
        }
        state = State.COMPLETE;
    }

    /**
     * The connection's facts for the descriptor values' operators (Envoy formats them with the
     * connection's stream info): made once, when the first descriptor is built.
     */
    @Override
    public StreamInfo streamInfo() {
        if (info == null) {
            info = new StreamInfo();
            info.downstreamRemoteAddress = cb.connection().remoteAddress();
            info.downstreamDirectRemoteAddress = cb.channel().remoteAddress();
            info.downstreamLocalAddress = cb.connection().localAddress();
            info.fromConnection(cb.connection(), cb.channel());
            info.filterState(cb.filterState());
        }
        return info;
    }
}
