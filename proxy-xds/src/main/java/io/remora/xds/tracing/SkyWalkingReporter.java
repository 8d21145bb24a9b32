package io.remora.xds.tracing;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.config.TracingConfig;
import io.remora.tracing.FinishedSpan;
import io.remora.tracing.SpanBatcher;
import io.remora.tracing.SpanSink;
import io.remora.upstream.ClusterManager;
import io.remora.xds.grpc.ClusterChannel;
import io.remora.xds.grpc.RawBytesMarshaller;

import java.util.ArrayDeque;
import java.util.List;
import java.util.logging.Logger;

/**
 * {@code envoy.tracers.skywalking}'s reporter: each finished segment goes at once, off the
 * workers, on one long-lived client stream of {@code skywalking.v3.TraceSegmentReportService/collect}
 * (raw protobuf bytes, no generated stubs) with the {@code authentication} token as metadata.
 * While no stream is open (no healthy collector host, or the last stream failed less than 500 ms
 * ago) segments wait in a cache of {@code max_cache_size}, the oldest dropped past it, and are
 * flushed when a stream opens. Stats as Envoy's: {@code tracing.skywalking.segments_sent},
 * {@code segments_dropped}, {@code cache_flushed}, {@code segments_flushed}.
 */
public final class SkyWalkingReporter implements SpanSink, AutoCloseable {

    private static final Logger LOG = io.remora.log.Logging.logger("tracing");
    private static final long RETRY_DELAY_NANOS = 500_000_000L;

    static final MethodDescriptor<byte[], byte[]> COLLECT = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.CLIENT_STREAMING)
            .setFullMethodName("skywalking.v3.TraceSegmentReportService/collect")
            .setRequestMarshaller(RawBytesMarshaller.INSTANCE)
            .setResponseMarshaller(RawBytesMarshaller.INSTANCE)
            .build();

    private final TracingConfig.SkyWalking config;
    private final ClusterChannel clusterChannel;
    private ManagedChannel targetChannel;
    private final Metadata metadata = new Metadata();
    private final SpanBatcher batcher;
    private final ArrayDeque<byte[]> cache = new ArrayDeque<>();
    private final Counter segmentsSent;
    private final Counter segmentsDropped;
    private final Counter cacheFlushed;
    private final Counter segmentsFlushed;
    /** Written on the batcher's thread, cleared from gRPC's when the collector ends the stream. */
    private volatile StreamObserver<byte[]> stream;
    private volatile long retryAfterNanos;

    /** @param config with the service and instance names already defaulted from the node */
    public SkyWalkingReporter(TracingConfig.SkyWalking config, ClusterManager clusters, MeterRegistry registry) {
        this.config = config;
        TracingConfig.GrpcCollector c = config.collector();
        this.clusterChannel = c.cluster().isEmpty() ? null : new ClusterChannel(clusters, c.cluster(), c.authority());
        c.metadata().forEach((k, v) -> metadata.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
        this.segmentsSent = Counter.builder("envoy_tracing_skywalking_segments_sent").register(registry);
        this.segmentsDropped = Counter.builder("envoy_tracing_skywalking_segments_dropped").register(registry);
        this.cacheFlushed = Counter.builder("envoy_tracing_skywalking_cache_flushed").register(registry);
        this.segmentsFlushed = Counter.builder("envoy_tracing_skywalking_segments_flushed").register(registry);
        this.batcher = SpanBatcher.immediate("remora-skywalking-" + (c.cluster().isEmpty() ? c.targetUri()
                : c.cluster()), this::send);
    }

    @Override
    public TracingConfig.Provider provider() {
        return config;
    }

    @Override
    public void export(FinishedSpan span) {
        if (span.skyWalking() != null) {
            batcher.add(span);
        }
    }

    /** Runs on the batcher's thread, the only one that opens streams and writes to them. */
    private void send(List<FinishedSpan> spans) {
        for (FinishedSpan s : spans) {
            report(SkyWalkingSegmentEncoder.segment(s));
        }
    }

    private void report(byte[] segment) {
        StreamObserver<byte[]> s = stream != null ? stream : open();
        if (s != null) {
            segmentsSent.increment();
            s.onNext(segment);
            return;
        }
        cache.add(segment);
        if (cache.size() > config.maxCacheSize()) {
            segmentsDropped.increment();
            cache.poll();
        }
    }

    /** A new stream, the cache flushed into it; null while none can be opened. */
    private StreamObserver<byte[]> open() {
        if (System.nanoTime() - retryAfterNanos < 0) {
            return null;
        }
        Channel ch = channel();
        if (ch == null) {
            return null;
        }
        Channel withMetadata = ClientInterceptors.intercept(ch, MetadataUtils.newAttachHeadersInterceptor(metadata));
        StreamObserver<byte[]>[] self = new StreamObserver[1];
        self[0] = ClientCalls.asyncClientStreamingCall(withMetadata.newCall(COLLECT, CallOptions.DEFAULT),
                new StreamObserver<>() {
                    @Override
                    public void onNext(byte[] commands) {
                    }

                    @Override
                    public void onError(Throwable t) {
                        LOG.fine(() -> "skywalking: segment stream to " + target() + " failed: " + t);
                        closed(self[0]);
                    }

                    @Override
                    public void onCompleted() {
                        closed(self[0]);
                    }
                });
        stream = self[0];
        if (!cache.isEmpty()) {
            flushCache(self[0]);
        }
        return self[0];
    }

    private void closed(StreamObserver<byte[]> s) {
        if (stream == s) {
            retryAfterNanos = System.nanoTime() + RETRY_DELAY_NANOS;
            stream = null;
        }
    }

    private void flushCache(StreamObserver<byte[]> s) {
        byte[] segment;
        while ((segment = cache.poll()) != null) {
            segmentsSent.increment();
            segmentsFlushed.increment();
            s.onNext(segment);
        }
        cacheFlushed.increment();
    }

    private Channel channel() {
        if (clusterChannel != null) {
            return clusterChannel.get();
        }
        if (targetChannel == null) {
            targetChannel = NettyChannelBuilder.forTarget(config.collector().targetUri()).usePlaintext().build();
        }
        return targetChannel;
    }

    private String target() {
        TracingConfig.GrpcCollector c = config.collector();
        return c.cluster().isEmpty() ? c.targetUri() : "cluster '" + c.cluster() + "'";
    }

    /** Sends what is waiting, ends the stream, then closes the channel. */
    @Override
    public void close() {
        batcher.close();
        StreamObserver<byte[]> s = stream;
        if (s != null) {
            s.onCompleted();
        }
        if (clusterChannel != null) {
            clusterChannel.close();
        }
        if (targetChannel != null) {
            targetChannel.shutdown();
        }
    }
}
