package io.remora.e2e;

import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterStats;
import io.envoyproxy.envoy.config.endpoint.v3.UpstreamEndpointStats;
import io.envoyproxy.envoy.config.endpoint.v3.UpstreamLocalityStats;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsRequest;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsResponse;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Load reporting ({@code cluster_manager.load_stats_config}): a real grpc-java LoadReportingService
 * asks for one cluster whose two endpoints sit in two zones, one answering 200, the other 503; the
 * reports carry each zone's successful, error and issued requests as changes since the previous
 * report, per endpoint too (report_endpoint_granularity), with the ORCA metrics of the 200s
 * (lrs_report_endpoint_metrics), over two rounds of curl traffic.
 */
class LoadReportingE2ETest {

    private static String bootstrap(int admin, int port, int zoneA, int zoneB, int lrs) throws Exception {
        String svc = """
                - name: svc
                  type: STATIC
                  connect_timeout: 1s
                  lrs_report_endpoint_metrics: [ cpu_utilization, "named_metrics.*", named_metrics.absent ]
                  load_assignment:
                    cluster_name: svc
                    endpoints:
                    - locality: { region: r1, zone: a }
                      lb_endpoints:
                      - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }
                    - locality: { region: r1, zone: b, sub_zone: s }
                      lb_endpoints:
                      - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }
                """.formatted(zoneA, zoneB);
        return Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(),
                "- match: { prefix: \"/\" }\n  route: { cluster: svc }",
                svc + Bootstraps.cluster("lrs", true, null, lrs))
                + """
                node: { id: sidecar-lrs, cluster: shop }
                cluster_manager:
                  load_stats_config:
                    api_type: GRPC
                    transport_api_version: V3
                    grpc_services: [ { envoy_grpc: { cluster_name: lrs } } ]
                """;
    }

    /** The sums over {@code reports} of one zone's locality stats: success, error, issued. */
    private static long[] zone(List<LoadStatsRequest> reports, String zone) {
        long[] sum = new long[3];
        for (LoadStatsRequest r : reports) {
            for (ClusterStats cs : r.getClusterStatsList()) {
                assertEquals("svc", cs.getClusterName());
                for (UpstreamLocalityStats ls : cs.getUpstreamLocalityStatsList()) {
                    if (ls.getLocality().getZone().equals(zone)) {
                        assertEquals("r1", ls.getLocality().getRegion());
                        sum[0] += ls.getTotalSuccessfulRequests();
                        sum[1] += ls.getTotalErrorRequests();
                        sum[2] += ls.getTotalIssuedRequests();
                    }
                }
            }
        }
        return sum;
    }

    /** One zone's load_metric_stats summed over {@code reports}: name to {requests with it, sum}. */
    private static Map<String, double[]> metrics(List<LoadStatsRequest> reports, String zone) {
        Map<String, double[]> out = new java.util.TreeMap<>();
        for (LoadStatsRequest r : reports) {
            for (ClusterStats cs : r.getClusterStatsList()) {
                for (UpstreamLocalityStats ls : cs.getUpstreamLocalityStatsList()) {
                    if (!ls.getLocality().getZone().equals(zone)) {
                        continue;
                    }
                    for (var m : ls.getLoadMetricStatsList()) {
                        double[] sum = out.computeIfAbsent(m.getMetricName(), k -> new double[2]);
                        sum[0] += m.getNumRequestsFinishedWithMetric();
                        sum[1] += m.getTotalMetricValue();
                    }
                }
            }
        }
        return out;
    }

    /** Sends {@code n} requests through the proxy and checks each answer came from the zone it says. */
    private static void traffic(int port, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            Curl c = Curl.get(port, "/r" + i);
            assertTrue(c.status() == 200 || c.status() == 503, "status " + c.status());
        }
    }

    @Test
    void loadStatsConfigOtherThanGrpcIsRefused() throws Exception {
        String yaml = bootstrap(ProxyProcess.freePort(), ProxyProcess.freePort(), 1, 2, 3)
                .replace("api_type: GRPC", "api_type: REST");
        InvalidBootstrapE2ETest.Result r = InvalidBootstrapE2ETest.run(yaml);
        assertNotEquals(0, r.exit());
        assertTrue(r.output().contains("cluster_manager.load_stats_config.api_type"), r.output());
    }

    @Test
    void reportsPerLocalityDeltasEachInterval() throws Exception {
        AtomicInteger servedA = new AtomicInteger();
        AtomicInteger servedB = new AtomicInteger();
        LoadStatsResponse ask = LoadStatsResponse.newBuilder().addClusters("svc")
                .setLoadReportingInterval(Durations.fromMillis(700)).setReportEndpointGranularity(true).build();
        try (TestUpstream a = TestUpstream.start((ctx, req, n) -> {
                 servedA.incrementAndGet();
                 TestUpstream.send(ctx, req, 200, "a",
                         Map.of("endpoint-load-metrics", "TEXT cpu_utilization=0.5, named_metrics.foo=2"));
             });
             TestUpstream b = TestUpstream.start((ctx, req, n) -> {
                 servedB.incrementAndGet();
                 TestUpstream.send(ctx, req, 503, "b");
             });
             LoadReportingServer lrs = new LoadReportingServer(ask).start()) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            try (ProxyProcess proxy = ProxyProcess.start(bootstrap(admin, port, a.port(), b.port(), lrs.port()), admin)) {
                // The first request: the node, with Envoy's client feature, and no load yet.
                int seen = lrs.awaitMore(0, 1);
                LoadStatsRequest first = lrs.requests.get(0);
                assertEquals("sidecar-lrs", first.getNode().getId());
                assertTrue(first.getNode().getClientFeaturesList().contains("envoy.lrs.supports_send_all_clusters"));
                assertEquals(0, first.getClusterStatsCount());
                seen = lrs.awaitMore(seen, 1);

                traffic(port, 8);
                int afterFirst = lrs.awaitMore(lrs.requests.size(), 2);
                List<LoadStatsRequest> round1 = List.copyOf(lrs.requests).subList(seen, afterFirst);
                long[] zoneA = zone(round1, "a");
                long[] zoneB = zone(round1, "b");
                assertTrue(servedA.get() > 0 && servedB.get() > 0, servedA + " " + servedB);
                assertEquals(8, servedA.get() + servedB.get());
                assertEquals(List.of((long) servedA.get(), 0L, (long) servedA.get()), List.of(zoneA[0], zoneA[1], zoneA[2]),
                        "zone a: " + round1);
                assertEquals(List.of(0L, (long) servedB.get(), (long) servedB.get()), List.of(zoneB[0], zoneB[1], zoneB[2]),
                        "zone b: " + round1);
                // Endpoint granularity: the endpoints by their own address, and every report names its interval.
                boolean endpointSeen = false;
                for (LoadStatsRequest r : round1) {
                    for (ClusterStats cs : r.getClusterStatsList()) {
                        assertTrue(Durations.toMillis(cs.getLoadReportInterval()) >= 500, cs.toString());
                        for (UpstreamLocalityStats ls : cs.getUpstreamLocalityStatsList()) {
                            for (UpstreamEndpointStats es : ls.getUpstreamEndpointStatsList()) {
                                int expected = ls.getLocality().getZone().equals("a") ? a.port() : b.port();
                                assertEquals(expected, es.getAddress().getSocketAddress().getPortValue());
                                if (ls.getLocality().getZone().equals("b")) {
                                    assertEquals("s", ls.getLocality().getSubZone());
                                }
                                endpointSeen = true;
                            }
                        }
                    }
                }
                assertTrue(endpointSeen, round1.toString());
                // lrs_report_endpoint_metrics: zone a's ORCA reports, summed; zone b sent none.
                Map<String, double[]> orcaA = metrics(round1, "a");
                assertEquals(List.of("cpu_utilization", "named_metrics.foo"), List.copyOf(orcaA.keySet()), round1.toString());
                assertEquals(servedA.get(), orcaA.get("cpu_utilization")[0]);
                assertEquals(0.5 * servedA.get(), orcaA.get("cpu_utilization")[1], 1e-9);
                assertEquals(servedA.get(), orcaA.get("named_metrics.foo")[0]);
                assertEquals(2.0 * servedA.get(), orcaA.get("named_metrics.foo")[1], 1e-9);
                assertTrue(metrics(round1, "b").isEmpty(), round1.toString());

                // A second round: only its own requests, not the totals so far.
                int a1 = servedA.get();
                int b1 = servedB.get();
                traffic(port, 4);
                int afterSecond = lrs.awaitMore(lrs.requests.size(), 2);
                List<LoadStatsRequest> round2 = List.copyOf(lrs.requests).subList(afterFirst, afterSecond);
                assertEquals(servedA.get() - a1, zone(round2, "a")[2], "round 2: " + round2);
                assertEquals(servedB.get() - b1, zone(round2, "b")[1], "round 2: " + round2);
                assertEquals(4, zone(round2, "a")[2] + zone(round2, "b")[2]);
                // Idle intervals: a cluster still reported, with no locality (nothing issued, nothing in flight).
                int idle = lrs.awaitMore(lrs.requests.size(), 1);
                LoadStatsRequest last = lrs.requests.get(idle - 1);
                assertEquals(1, last.getClusterStatsCount(), last.toString());
                assertFalse(last.getClusterStats(0).getUpstreamLocalityStatsCount() > 0, last.toString());
            }
        }
    }
}
