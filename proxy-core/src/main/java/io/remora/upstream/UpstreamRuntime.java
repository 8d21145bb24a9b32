package io.remora.upstream;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.remora.server.Transport;

import java.util.concurrent.TimeUnit;

/**
 * What outlier detectors and health checkers share: one upstream event loop (Envoy runs both on
 * its main thread), the transport for health check connections, the meters and the outlier
 * event log. The loop is started on first use and stopped with the cluster manager.
 */
public final class UpstreamRuntime implements AutoCloseable {
    private final Transport transport;
    private final MeterRegistry registry;
    private volatile EventLogFile outlierEventLog;
    private EventLoopGroup group;
    private EventLoop loop;

    UpstreamRuntime(Transport transport, MeterRegistry registry) {
        this.transport = transport;
        this.registry = registry;
    }

    public Transport transport() {
        return transport;
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The upstream thread's loop; created on first use. */
    public synchronized EventLoop loop() {
        if (loop == null) {
            group = transport.newEventLoopGroup(1, "remora-upstream");
            loop = group.next();
        }
        return loop;
    }

    /** Bootstrap {@code cluster_manager.outlier_detection.event_log_path}. */
    void outlierEventLogPath(String path) {
        this.outlierEventLog = EventLogFile.of(path);
    }

    public EventLogFile outlierEventLog() {
        return outlierEventLog;
    }

    @Override
    public synchronized void close() {
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            group = null;
            loop = null;
        }
    }
}
