package io.remora.stats;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The names the zone code stats go by: Envoy's dotted name, Prometheus' with and without stats_tags. */
class ZoneCodeStatsTest {

    @Test
    void anEmptyZoneChargesNothing() {
        SimpleMeterRegistry r = new SimpleMeterRegistry();
        ClusterStats stats = new ClusterStats(r, "c");
        int before = r.getMeters().size();
        stats.zones.response("", "west-2", 200);
        stats.zones.response("east-1", "", 200);
        stats.zones.time("east-1", null, 5);
        assertEquals(before, r.getMeters().size());
    }

    @Test
    void zonesStayInTheNameAndNeverBecomeLabels() {
        SimpleMeterRegistry r = new SimpleMeterRegistry();
        ClusterStats stats = new ClusterStats(r, "c");
        stats.zones.response("east-1", "west-2", 503);
        stats.zones.time("east-1", "west-2", 7);

        String prom = PrometheusExposition.scrape(r);
        assertTrue(prom.contains("envoy_cluster_zone_east_1_west_2_upstream_rq{envoy_cluster_name=\"c\","
                + "envoy_response_code=\"503\"} 1"), prom);
        assertTrue(prom.contains("envoy_cluster_zone_east_1_west_2_upstream_rq_xx{envoy_cluster_name=\"c\","
                + "envoy_response_code_class=\"5\"} 1"), prom);
        assertTrue(prom.contains("envoy_cluster_zone_east_1_west_2_upstream_rq_completed{envoy_cluster_name=\"c\"} 1"), prom);
        assertTrue(prom.contains("envoy_cluster_zone_east_1_west_2_upstream_rq_time_count{envoy_cluster_name=\"c\"} 1"), prom);
        assertFalse(prom.contains(ZoneCodeStats.FROM_TAG), prom);

        Meter.Id code = r.find("envoy_cluster_zone_upstream_rq").tag(StatNames.RESPONSE_CODE, "503").counter().getId();
        assertEquals("cluster.c.zone.east-1.west-2.upstream_rq_503", StatNames.envoyName(code));

        // With stats_tags the dotted name goes through the tag producer, to the same name and labels.
        ExportedNames.Exported e = new ExportedNames(new TagProducer(true, List.of())).of(code);
        assertEquals("envoy_cluster_zone_east_1_west_2_upstream_rq", e.name());
        assertEquals(List.of(Tag.of("envoy_cluster_name", "c"), Tag.of("envoy_response_code", "503")),
                e.labels().stream().sorted().toList());
    }
}
