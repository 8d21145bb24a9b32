package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bootstrap's other stats fields: {@code stats_flush_on_admin} (no flush timer: a statsd sink
 * hears from the proxy only when the admin's stats are read, and at once),
 * {@code stats_server_version_override} (the {@code server.version} gauge) and
 * {@code deferred_stat_options} (warned: nothing to defer).
 */
class StatsFlushOnAdminE2ETest {

    @Test
    void sinksAreFlushedWhenTheAdminStatsAreRead() throws Exception {
        try (DatagramSocket statsd = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             TestUpstream up = TestUpstream.text("ok")) {
            List<String> lines = new CopyOnWriteArrayList<>();
            StatsSinksE2ETest.reader(statsd, lines);
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String yaml = Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(),
                    "- match: { prefix: \"/\" }\n  route: { cluster: up }",
                    Bootstraps.cluster("up", false, null, up.port()))
                    + """
                    stats_flush_on_admin: true
                    stats_server_version_override: 4242
                    deferred_stat_options: { enable_deferred_creation_stats: true }
                    stats_sinks:
                    - name: envoy.stat_sinks.statsd
                      typed_config:
                        "@type": type.googleapis.com/envoy.config.metrics.v3.StatsdSink
                        address: { socket_address: { address: 127.0.0.1, port_value: %d, protocol: UDP } }
                    """.formatted(statsd.getLocalPort());
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                assertEquals(200, Curl.run("http://127.0.0.1:" + port + "/").status());
                assertTrue(lines.isEmpty(), String.join("\n", lines));

                // Well before a 5 s timer's first flush: the admin flushed before it answered.
                proxy.admin("/stats/prometheus");
                long deadline = System.currentTimeMillis() + 1000;
                while (!lines.contains("envoy.cluster.up.upstream_rq_total:1|c")) {
                    assertTrue(System.currentTimeMillis() < deadline, String.join("\n", lines));
                    Thread.sleep(20);
                }
                assertTrue(lines.contains("envoy.server.version:4242|g"), String.join("\n", lines));
                assertEquals(4242, proxy.metric("envoy_server_version"));
                assertEquals(4242, proxy.stat("server.version"));
                assertTrue(proxy.log().contains("bootstrap deferred_stat_options.enable_deferred_creation_stats is not supported"),
                        proxy.log());
            }
        }
    }
}
