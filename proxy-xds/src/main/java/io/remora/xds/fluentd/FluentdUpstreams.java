package io.remora.xds.fluentd;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.internal.ThreadExecutorMap;
import io.remora.config.FluentdTarget;
import io.remora.upstream.ClusterManager;
import io.remora.upstream.UpstreamConnector;
import io.remora.util.PerEventLoop;

import java.util.concurrent.RejectedExecutionException;

/** The upstreams of one target, one per worker as Envoy's thread-local logger and tracer caches keep them. */
final class FluentdUpstreams {

    private final FluentdStats stats;
    private final PerEventLoop<FluentdUpstream> byLoop;

    FluentdUpstreams(FluentdTarget target, FluentdSignal signal, ClusterManager clusters, UpstreamConnector connector,
                     FluentdStats stats) {
        this.stats = stats;
        this.byLoop = new PerEventLoop<>(loop -> new FluentdUpstream((EventLoop) loop, target, signal, clusters,
                connector, stats));
    }

    /**
     * The calling worker's upstream; null off an event loop (nothing logs there but tests), where
     * no connection could be kept.
     */
    FluentdUpstream current() {
        EventExecutor loop = ThreadExecutorMap.currentExecutor();
        return loop instanceof EventLoop ? byLoop.get(loop) : null;
    }

    FluentdStats stats() {
        return stats;
    }

    /** Closes each worker's upstream on its loop; a loop already shut down took its connection along. */
    void close() {
        byLoop.forEach((loop, upstream) -> {
            try {
                loop.execute(upstream::close);
            } catch (RejectedExecutionException e) {
                // the loop is gone
            }
        });
    }
}
