package io.remora.stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.upstream.Cluster;
import io.remora.upstream.ClusterManager;
import io.remora.upstream.Host;
import io.remora.upstream.LoadBalancerContext;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.logging.Logger;

/**
 * Envoy's statsd sink with {@code tcp_cluster_name}: each flush's {@link StatsdLines} lines, each
 * ended by a newline, written in one batch on a TCP connection to a host the cluster's load
 * balancer picks. A connection the server closed or that failed is dropped with what it held and
 * opened again at the next flush. As Envoy, when more than 16 MiB wait unsent (a server that does
 * not read) the connection is closed, the batch dropped and {@code statsd.cx_overflow} counted.
 * Runs on the flusher's thread only; writes never block it.
 */
public final class TcpStatsdSink implements StatsSink {

    private static final Logger LOG = io.remora.log.Logging.logger("main");
    /** Envoy's MAX_BUFFERED_STATS_BYTES. */
    static final int MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

    private final ClusterManager clusters;
    private final String cluster;
    private final String prefix;
    private final Counter cxOverflow;
    private final StringBuilder lines = new StringBuilder();
    private final ByteBuffer scratch = ByteBuffer.allocate(512);
    private SocketChannel channel;
    /** What earlier flushes could not write yet. */
    private ByteBuffer unsent;

    public TcpStatsdSink(ClusterManager clusters, String cluster, String prefix, MeterRegistry registry) {
        this.clusters = clusters;
        this.cluster = cluster;
        this.prefix = StatsdLines.prefix(prefix);
        this.cxOverflow = Counter.builder("envoy_statsd_cx_overflow").register(registry);
    }

    @Override
    public boolean wantsSamples() {
        return true;
    }

    @Override
    public void flush(StatsSnapshot snapshot) {
        lines.setLength(0);
        try {
            StatsdLines.write(snapshot, prefix, StatsdTagFormat.NONE, m -> lines.append(m).append('\n'));
        } catch (IOException e) {
            throw new IllegalStateException(e); // appending to a builder does not fail
        }
        if (lines.length() == 0) {
            return;
        }
        if (unsent != null && unsent.remaining() > MAX_BUFFERED_BYTES) {
            closeChannel();
            cxOverflow.increment();
            return;
        }
        byte[] batch = lines.toString().getBytes(StandardCharsets.UTF_8);
        try {
            if (channel != null && peerClosed()) {
                closeChannel();
            }
            if (channel == null && !connect()) {
                return;
            }
            unsent = append(unsent, batch);
            channel.write(unsent);
            if (!unsent.hasRemaining()) {
                unsent = null;
            }
        } catch (IOException e) {
            LOG.fine(() -> "statsd: TCP to cluster '" + cluster + "' failed: " + e);
            closeChannel();
        }
    }

    /** A statsd server never writes: end of stream means it closed the connection. */
    private boolean peerClosed() throws IOException {
        scratch.clear();
        return channel.read(scratch) < 0;
    }

    private boolean connect() throws IOException {
        Cluster c = clusters.get(cluster);
        Host host = c == null ? null : c.chooseHost(LoadBalancerContext.NONE);
        if (host == null) {
            LOG.fine(() -> "statsd: no host in cluster '" + cluster + "'; this flush is dropped");
            return false;
        }
        SocketAddress address = host.address();
        SocketChannel ch = SocketChannel.open();
        try {
            // the cluster's connect_timeout bounds the flusher's wait, as Envoy's connect does
            ch.socket().connect(address,
                    (int) Math.min(Integer.MAX_VALUE, c.config().connectTimeout().toMillis()));
            ch.configureBlocking(false);
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        channel = ch;
        return true;
    }

    private static ByteBuffer append(ByteBuffer unsent, byte[] batch) {
        if (unsent == null) {
            return ByteBuffer.wrap(batch);
        }
        ByteBuffer b = ByteBuffer.allocate(unsent.remaining() + batch.length);
        b.put(unsent).put(batch).flip();
        return b;
    }

    private void closeChannel() {
        unsent = null;
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // closing
            }
            channel = null;
        }
    }

    @Override
    public void close() {
        closeChannel();
    }

    @Override
    public String toString() {
        return "statsd(tcp cluster " + cluster + ")";
    }
}
