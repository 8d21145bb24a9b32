package io.remora.stats;

import org.junit.jupiter.api.Test;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The statsd sinks against a real UDP socket: the datagrams a statsd / DogStatsD server receives. */
class UdpStatsdSinkTest {

    /** Every datagram that arrives until the socket stays quiet for a moment. */
    private static List<String> receive(DatagramSocket socket) throws Exception {
        List<String> out = new ArrayList<>();
        socket.setSoTimeout(500);
        byte[] buf = new byte[65536];
        while (true) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
            } catch (SocketTimeoutException e) {
                return out;
            }
            out.add(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8));
        }
    }

    private static DatagramSocket socket() throws Exception {
        return new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @Test
    void statsdSendsEveryHistogramSampleAsATimerAndCounterDeltas() throws Exception {
        try (DatagramSocket server = socket()) {
            StatsRegistry stats = new StatsRegistry(new SampledMeterRegistry());
            ClusterStats c = stats.cluster("up");
            UdpStatsdSink sink = new UdpStatsdSink((InetSocketAddress) server.getLocalSocketAddress(), "");
            try (StatsFlusher flusher = new StatsFlusher(stats, List.of(sink), Duration.ofHours(1))) {
                c.upstreamRqTotal.increment();
                c.upstreamRqTotal.increment();
                c.upstreamRqTime.record(12.7);
                c.upstreamRqTime.record(3);
                c.upstreamRqTime.record(3);
                sink.flush(flusher.snapshot());
                List<String> first = receive(server);
                assertTrue(first.contains("envoy.cluster.up.upstream_rq_total:2|c"), String.join("\n", first));
                // One timer per sample, in whole milliseconds, as Envoy's onHistogramComplete sends them.
                assertEquals(List.of("envoy.cluster.up.upstream_rq_time:12|ms", "envoy.cluster.up.upstream_rq_time:3|ms",
                        "envoy.cluster.up.upstream_rq_time:3|ms"),
                        first.stream().filter(l -> l.startsWith("envoy.cluster.up.upstream_rq_time:")).toList());
                assertFalse(first.stream().anyMatch(l -> l.contains("\n")), "one metric per datagram");
                assertFalse(first.stream().anyMatch(l -> l.startsWith("envoy.cluster.up.upstream_rq_retry:")),
                        "counters never used are not sent");

                c.upstreamRqTotal.increment();
                sink.flush(flusher.snapshot());
                List<String> second = receive(server);
                assertTrue(second.contains("envoy.cluster.up.upstream_rq_total:1|c"), String.join("\n", second));
                assertFalse(second.stream().anyMatch(l -> l.contains("upstream_rq_time")), "samples are sent once");
            }
        }
    }

    @Test
    void dogStatsdTagsTheExtractedNameAndPacksDatagramsUpToTheLimit() throws Exception {
        try (DatagramSocket server = socket()) {
            StatsRegistry stats = new StatsRegistry(new SampledMeterRegistry());
            ClusterStats c = stats.cluster("up");
            int limit = 300;
            UdpStatsdSink sink = new UdpStatsdSink((InetSocketAddress) server.getLocalSocketAddress(), "mesh", StatsdTagFormat.DOG_STATSD, limit);
            try (StatsFlusher flusher = new StatsFlusher(stats, List.of(sink), Duration.ofHours(1))) {
                c.upstreamRqTotal.increment();
                c.upstreamRqTime.record(7.2);
                sink.flush(flusher.snapshot());
                List<String> datagrams = receive(server);
                List<String> lines = new ArrayList<>();
                for (String d : datagrams) {
                    assertTrue(d.length() <= limit || !d.contains("\n"), "a datagram over the limit holds one metric: " + d);
                    lines.addAll(List.of(d.split("\n")));
                }
                assertTrue(datagrams.stream().anyMatch(d -> d.contains("\n")), "several metrics per datagram");
                assertTrue(lines.contains("mesh.cluster.upstream_rq_total:1|c|#envoy.cluster_name:up"), String.join("\n", lines));
                assertTrue(lines.contains("mesh.cluster.upstream_rq_time:7|ms|#envoy.cluster_name:up"), String.join("\n", lines));
                assertTrue(lines.stream().anyMatch(l -> l.matches("mesh\\.server\\.live:\\d+\\|g")), String.join("\n", lines));
            }
        }
    }

    @Test
    void graphiteTagsFollowTheNameBeforeTheValue() throws Exception {
        try (DatagramSocket server = socket()) {
            StatsRegistry stats = new StatsRegistry(new SampledMeterRegistry());
            ClusterStats c = stats.cluster("up");
            UdpStatsdSink sink = new UdpStatsdSink((InetSocketAddress) server.getLocalSocketAddress(), "",
                    StatsdTagFormat.GRAPHITE, 0);
            try (StatsFlusher flusher = new StatsFlusher(stats, List.of(sink), Duration.ofHours(1))) {
                c.upstreamRqTotal.increment();
                c.upstreamRqTime.record(7.2);
                sink.flush(flusher.snapshot());
                List<String> lines = receive(server);
                assertTrue(lines.contains("envoy.cluster.upstream_rq_total;envoy.cluster_name=up:1|c"),
                        String.join("\n", lines));
                assertTrue(lines.contains("envoy.cluster.upstream_rq_time;envoy.cluster_name=up:7|ms"),
                        String.join("\n", lines));
                assertTrue(lines.stream().anyMatch(l -> l.matches("envoy\\.server\\.live:\\d+\\|g")),
                        "an untagged metric has no ';': " + String.join("\n", lines));
                assertFalse(lines.stream().anyMatch(l -> l.contains("|#")), String.join("\n", lines));
            }
        }
    }
}
