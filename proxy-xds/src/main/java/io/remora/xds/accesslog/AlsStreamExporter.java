package io.remora.xds.accesslog;

import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.data.accesslog.v3.HTTPAccessLogEntry;
import io.envoyproxy.envoy.data.accesslog.v3.TCPAccessLogEntry;
import io.envoyproxy.envoy.service.accesslog.v3.AccessLogServiceGrpc;
import io.envoyproxy.envoy.service.accesslog.v3.StreamAccessLogsMessage;
import io.envoyproxy.envoy.service.accesslog.v3.StreamAccessLogsResponse;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.upstream.ClusterManager;
import io.remora.xds.grpc.ClusterChannel;

import java.util.List;
import java.util.logging.Logger;

/**
 * The sending half of {@code envoy.access_loggers.http_grpc} and {@code tcp_grpc}, shared by the
 * loggers with one target and kind: batches go on one long-lived
 * {@code envoy.service.accesslog.v3.AccessLogService/StreamAccessLogs} stream whose first message
 * carries the identifier (node and log_name), reopened on the next flush after it ends. Stats as
 * Envoy's {@code access_logs.grpc_access_log.logs_written} (entries written to the stream) and
 * {@code logs_dropped} (no healthy host, a collector never reached, the stream backed up, the
 * buffer bound).
 */
final class AlsStreamExporter implements AutoCloseable {

    private static final Logger LOG = io.remora.log.Logging.logger("grpc");
    static final String STATS = "envoy_access_logs_grpc_access_log_";

    /** What the shared exporter is keyed by. */
    record Key(GrpcLogTarget target, boolean tcp) {
    }

    private final Key key;
    private final Node node;
    private final ClusterChannel channel;
    private final io.grpc.ClientInterceptor metadata;
    private final Counter written;
    private final Counter dropped;
    private final io.remora.util.Batcher<Message> batcher;
    /** The open stream; only the batcher's thread opens and writes it. */
    private Stream stream;

    AlsStreamExporter(Key key, Node node, ClusterManager clusters, MeterRegistry registry) {
        this.key = key;
        this.node = node;
        GrpcLogTarget t = key.target();
        this.channel = new ClusterChannel(clusters, t.service().cluster(), t.service().authority());
        this.metadata = GrpcLogCalls.metadata(t.service());
        this.written = GrpcLogCalls.counter(registry, STATS, "logs_written", "");
        this.dropped = GrpcLogCalls.counter(registry, STATS, "logs_dropped", "");
        this.batcher = t.batcher("remora-als-" + t.service().cluster(), this::send);
    }

    /** Queues an entry (on a worker); never blocks. */
    void add(Message entry) {
        if (!batcher.add(entry)) {
            dropped.increment();
        }
    }

    /** Writes one message of the batch to the stream; runs on the batcher's thread. */
    private void send(List<Message> entries) {
        int n = entries.size();
        Stream s = stream();
        if (s == null || s.established && !s.call.isReady()) {
            dropped.increment(n);
            LOG.fine(() -> "access log service on cluster '" + key.target().service().cluster()
                    + "' unavailable or backed up: dropping " + n + " entries");
            return;
        }
        StreamAccessLogsMessage.Builder m = StreamAccessLogsMessage.newBuilder();
        if (key.tcp()) {
            var logs = m.getTcpLogsBuilder();
            entries.forEach(e -> logs.addLogEntry((TCPAccessLogEntry) e));
        } else {
            var logs = m.getHttpLogsBuilder();
            entries.forEach(e -> logs.addLogEntry((HTTPAccessLogEntry) e));
        }
        s.call.onNext(m.build());
        s.written(n);
    }

    /** The open stream, a new one (its identifier sent) when there is none; null without a healthy host. */
    private Stream stream() {
        ManagedChannel ch = channel.get();
        if (ch == null) {
            closeStream();
            return null;
        }
        if (stream != null && !stream.ended && ch == stream.channel) {
            return stream;
        }
        closeStream();
        stream = new Stream(ch);
        GrpcLogCalls.receiveLimit(AccessLogServiceGrpc.newStub(ch), key.target().service()).withInterceptors(metadata)
                .streamAccessLogs(stream);
        stream.call.onNext(StreamAccessLogsMessage.newBuilder().setIdentifier(StreamAccessLogsMessage.Identifier
                .newBuilder().setNode(node).setLogName(key.target().logName())).build());
        return stream;
    }

    private void closeStream() {
        if (stream != null) {
            try {
                stream.call.onCompleted();
            } catch (RuntimeException ended) {
                // already gone
            }
            stream = null;
        }
    }

    /**
     * One StreamAccessLogs call. Entries written before the call is first ready wait in gRPC's
     * buffer: they count as written once it is, as dropped if the call ends first (the collector
     * was never reached), so a dead collector shows as drops rather than writes.
     */
    private final class Stream implements ClientResponseObserver<StreamAccessLogsMessage, StreamAccessLogsResponse> {
        final ManagedChannel channel;
        ClientCallStreamObserver<StreamAccessLogsMessage> call;
        volatile boolean established;
        volatile boolean ended;
        private long pending;

        Stream(ManagedChannel channel) {
            this.channel = channel;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<StreamAccessLogsMessage> call) {
            this.call = call;
            // gRPC may call this spuriously: only a call that is ready has reached the collector.
            call.setOnReadyHandler(() -> {
                synchronized (this) {
                    if (!established && call.isReady()) {
                        established = true;
                        written.increment(pending);
                        pending = 0;
                    }
                }
            });
        }

        synchronized void written(int n) {
            if (ended) {
                // the call failed while this batch was being written
                dropped.increment(n);
            } else if (established) {
                written.increment(n);
            } else {
                pending += n;
            }
        }

        @Override
        public void onNext(StreamAccessLogsResponse value) {
        }

        @Override
        public void onError(Throwable t) {
            end();
            LOG.fine(() -> "access log stream to cluster '" + key.target().service().cluster() + "' failed: " + t);
        }

        @Override
        public void onCompleted() {
            end();
        }

        private synchronized void end() {
            ended = true;
            dropped.increment(pending);
            pending = 0;
        }
    }

    @Override
    public void close() {
        batcher.close();
        closeStream();
        channel.close();
    }
}
