package io.remora.xds.lrs;

import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.load_stats.v3.LoadReportingServiceGrpc;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsRequest;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsResponse;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.remora.upstream.Cluster;
import io.remora.upstream.ClusterManager;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.logging.Logger;

/**
 * One {@code LoadReportingService/StreamLoadStats} stream, as Envoy's LoadStatsReporter: the first
 * request carries the node (with the {@code envoy.lrs.supports_send_all_clusters} feature); each
 * {@code LoadStatsResponse} names the clusters to report (or all) and the interval; every interval a
 * request carries each such cluster's load since the previous one. A stream that fails or ends is
 * opened again after a fixed delay (Envoy's 5 s). All state lives on one thread, {@code exec}.
 */
public final class LoadStatsReporter implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("remora.lrs");
    /** Envoy's LoadStatsReporter::RETRY_DELAY_MS. */
    static final long RETRY_DELAY_MS = 5000;

    private final String target;
    /** Each stream's channel: a host of the envoy_grpc service's cluster, or the target's address. */
    private final io.remora.xds.grpc.StreamChannel channels;
    private final LoadStatsRequest first;
    private final ClusterManager clusters;
    /** Which clusters this stream may report (all, or those whose lrs_server is the xDS server). */
    private final Predicate<Cluster> eligible;
    private final ScheduledExecutorService exec;
    private final long retryDelayMillis;
    /** The tracked clusters by name, each with its counters at the last report. */
    private final Map<String, ClusterLoadLatch> tracked = new LinkedHashMap<>();
    private StreamObserver<LoadStatsRequest> stream;
    private LoadStatsResponse message;
    private ScheduledFuture<?> responseTimer;
    private int generation;
    private boolean closed;

    public LoadStatsReporter(String target, io.remora.xds.grpc.StreamChannel channels, Node node, ClusterManager clusters,
                             Predicate<Cluster> eligible, ScheduledExecutorService exec, long retryDelayMillis) {
        this.target = target;
        this.channels = channels;
        this.first = LoadStatsRequest.newBuilder()
                .setNode(node.toBuilder().addClientFeatures("envoy.lrs.supports_send_all_clusters")).build();
        this.clusters = clusters;
        this.eligible = eligible;
        this.exec = exec;
        this.retryDelayMillis = retryDelayMillis;
    }

    public void start() {
        run(this::establishNewStream);
    }

    private void establishNewStream() {
        if (closed) {
            return;
        }
        int g = ++generation;
        ManagedChannel channel = channels.channel();
        if (channel == null) {
            onClosed(new IllegalStateException("no healthy host in the cluster"));
            return;
        }
        // After our retry delay, connect now: gRPC's own back-off (up to 120 s) would fail the stream at once.
        channel.resetConnectBackoff();
        stream = LoadReportingServiceGrpc.newStub(channel).streamLoadStats(new StreamObserver<>() {
            @Override
            public void onNext(LoadStatsResponse value) {
                hop(g, () -> onResponse(value));
            }

            @Override
            public void onError(Throwable t) {
                hop(g, () -> onClosed(t));
            }

            @Override
            public void onCompleted() {
                hop(g, () -> onClosed(null));
            }
        });
        sendLoadStatsRequest();
    }

    private void onResponse(LoadStatsResponse response) {
        LOG.fine(() -> "LRS " + target + ": new load report epoch " + response);
        message = response;
        startLoadReportPeriod();
    }

    /**
     * Envoy's startLoadReportPeriod: the response's clusters become the tracked set; one already
     * tracked keeps its counters and interval start, a new one starts from now.
     */
    private void startLoadReportPeriod() {
        long now = System.nanoTime();
        Map<String, ClusterLoadLatch> previous = new LinkedHashMap<>(tracked);
        tracked.clear();
        Iterable<String> names = message.getSendAllClusters()
                ? clusters.all().stream().map(Cluster::name).toList() : message.getClustersList();
        for (String name : names) {
            ClusterLoadLatch latch = previous.get(name);
            if (latch == null) {
                latch = new ClusterLoadLatch(name, now);
                Cluster c = clusters.get(name);
                if (c != null) {
                    latch.reset(c);
                }
            }
            tracked.put(name, latch);
        }
        if (responseTimer != null) {
            responseTimer.cancel(false);
        }
        long interval = Math.max(1, Durations.toMillis(message.getLoadReportingInterval()));
        int g = generation;
        responseTimer = exec.schedule(() -> {
            if (g == generation && !closed) {
                sendLoadStatsRequest();
            }
        }, interval, TimeUnit.MILLISECONDS);
    }

    private void sendLoadStatsRequest() {
        LoadStatsRequest.Builder request = first.toBuilder();
        boolean granular = message != null && message.getReportEndpointGranularity();
        long now = System.nanoTime();
        for (ClusterLoadLatch latch : tracked.values()) {
            Cluster c = clusters.get(latch.clusterName());
            if (c == null || !eligible.test(c)) {
                continue;
            }
            request.addClusterStats(latch.report(c, granular, now));
        }
        try {
            stream.onNext(request.build());
        } catch (RuntimeException e) {
            LOG.fine(() -> "LRS " + target + ": send failed: " + e);
            return;
        }
        if (message != null) {
            startLoadReportPeriod();
        }
    }

    private void onClosed(Throwable error) {
        if (responseTimer != null) {
            responseTimer.cancel(false);
        }
        stream = null;
        generation++;
        channels.streamFailed(); // the next stream is a new pick of the cluster's load balancer
        LOG.warning(() -> "LRS stream to " + target + " closed" + (error == null ? "" : ": " + error)
                + "; retrying in " + retryDelayMillis + " ms");
        exec.schedule(() -> run(this::establishNewStream), retryDelayMillis, TimeUnit.MILLISECONDS);
    }

    /** Runs {@code task} on the reporter's thread if stream {@code g} is still the current one. */
    private void hop(int g, Runnable task) {
        run(() -> {
            if (g == generation && !closed) {
                task.run();
            }
        });
    }

    private void run(Runnable task) {
        try {
            exec.execute(task);
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    @Override
    public void close() {
        run(() -> {
            closed = true;
            if (responseTimer != null) {
                responseTimer.cancel(false);
            }
            if (stream != null) {
                try {
                    stream.onCompleted();
                } catch (RuntimeException e) {
                    // already gone
                }
            }
        });
    }
}
