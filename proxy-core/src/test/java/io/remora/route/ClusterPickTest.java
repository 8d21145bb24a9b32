package io.remora.route;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.ClusterSpecifier;
import io.remora.config.DirectResponseAction;
import io.remora.config.HeaderMutation;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static io.remora.route.Fixtures.config;
import static io.remora.route.Fixtures.forward;
import static io.remora.route.Fixtures.prefix;
import static io.remora.route.Fixtures.request;
import static io.remora.route.Fixtures.route;
import static io.remora.route.Fixtures.vhost;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClusterPickTest {

    private static RouteEntry entry(ClusterSpecifier spec) {
        RouteTable t = RouteTable.compile(config(vhost("v", List.of("*"), route("r", prefix("/"), forward(spec, null, null)))));
        return t.route(request("h", "/"), 0);
    }

    private static ClusterSpecifier.WeightedCluster wc(String name, int weight) {
        return new ClusterSpecifier.WeightedCluster(name, weight, HeaderMutation.NONE, HeaderMutation.NONE, null);
    }

    @Test
    void single() {
        assertEquals("c", entry(new ClusterSpecifier.Single("c")).pickCluster(request("h", "/"), 12345));
    }

    @Test
    void weightedWalksCumulativeWeightsWithRandomModuloTotal() {
        RouteEntry e = entry(new ClusterSpecifier.Weighted(List.of(wc("a", 80), wc("b", 20)), 100));
        Http2Headers h = request("h", "/");
        assertEquals("a", e.pickCluster(h, 0));
        assertEquals("a", e.pickCluster(h, 79));
        assertEquals("b", e.pickCluster(h, 80));
        assertEquals("b", e.pickCluster(h, 99));
        assertEquals("a", e.pickCluster(h, 100));
        assertEquals("b", e.pickCluster(h, 1_000_000_085L));
        // Envoy's random is unsigned: -1 is 2^64-1, and 2^64-1 mod 100 = 15
        assertEquals("a", e.pickCluster(h, -1L));
    }

    @Test
    void weightedMemberNamedByHeaderTakesItsOwnOptions() {
        var fromHeader = new ClusterSpecifier.WeightedCluster(null, 50, HeaderMutation.NONE, HeaderMutation.NONE, null,
                null, java.util.Map.of("v", "2"), "X-Target");
        var named = new ClusterSpecifier.WeightedCluster("a", 50, HeaderMutation.NONE, HeaderMutation.NONE, null,
                null, java.util.Map.of("v", "1"));
        RouteEntry e = entry(new ClusterSpecifier.Weighted(List.of(named, fromHeader), 100));
        Http2Headers h = request("h", "/");
        assertNull(e.pickCluster(h, 60), "no header: no cluster");
        h.add("x-target", "b");
        assertEquals("b", e.pickCluster(h, 60));
        assertEquals("a", e.pickCluster(h, 10));
        assertEquals(java.util.Map.of("v", "2"), e.metadataMatch("b"), "the header member's own criteria");
        assertEquals(java.util.Map.of("v", "1"), e.metadataMatch("a"));
    }

    @Test
    void zeroWeightMemberIsNeverPicked() {
        RouteEntry e = entry(new ClusterSpecifier.Weighted(List.of(wc("a", 0), wc("b", 1), wc("c", 0)), 1));
        for (long r = 0; r < 10; r++) {
            assertEquals("b", e.pickCluster(request("h", "/"), r));
        }
    }

    @Test
    void weightedDistribution8020() {
        RouteEntry e = entry(new ClusterSpecifier.Weighted(List.of(wc("a", 80), wc("b", 20)), 100));
        SplittableRandom rnd = new SplittableRandom(42);
        Http2Headers h = request("h", "/");
        int a = 0;
        int n = 10_000;
        for (int i = 0; i < n; i++) {
            if (e.pickCluster(h, rnd.nextLong() & Long.MAX_VALUE).equals("a")) {
                a++;
            }
        }
        double share = 100.0 * a / n;
        assertTrue(share >= 78 && share <= 82, "a got " + share + "%");
    }

    @Test
    void fromHeader() {
        RouteEntry e = entry(new ClusterSpecifier.FromHeader("X-Cluster"));
        Http2Headers h = request("h", "/");
        assertNull(e.pickCluster(h, 0));
        h.add("x-cluster", "backend");
        h.add("x-cluster", "second");
        assertEquals("backend", e.pickCluster(h, 0));
    }

    @Test
    void nonForwardingRoutesPickNothing() {
        RouteTable t = RouteTable.compile(config(vhost("v", List.of("*"),
                route("r", prefix("/"), new DirectResponseAction(200, "ok")))));
        assertNull(t.route(request("h", "/"), 0).pickCluster(request("h", "/"), 0));
    }
}
