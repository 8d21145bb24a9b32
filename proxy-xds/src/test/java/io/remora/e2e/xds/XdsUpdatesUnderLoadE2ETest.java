package io.remora.e2e.xds;

import io.remora.e2e.TestUpstream;
import io.remora.xds.ads.TestControlPlane;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.remora.e2e.xds.XdsAdsE2ETest.CDS;
import static io.remora.e2e.xds.XdsAdsE2ETest.EDS;
import static io.remora.e2e.xds.XdsAdsE2ETest.LDS;
import static io.remora.e2e.xds.XdsAdsE2ETest.RDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Successive snapshots under continuous keep-alive load: weight shifts, route changes, EDS-only
 * endpoint moves, in-place cluster changes and HCM changes (the listener is replaced and its old connections drain). Not one
 * request may fail, and after each ACK traffic follows the new config.
 */
class XdsUpdatesUnderLoadE2ETest {

    @Test
    void twentySnapshotsStateOfTheWorld() throws Exception {
        run(false, 20);
    }

    @Test
    void tenSnapshotsDelta() throws Exception {
        run(true, 10);
    }

    private void run(boolean delta, int updates) throws Exception {
        List<TestUpstream> upstreams = new ArrayList<>();
        try (TestControlPlane cp = new TestControlPlane().startTcp(0)) {
            for (int i = 0; i < 4; i++) {
                String body = "u" + i;
                // answers after 20 ms, so that requests are in flight whenever a listener starts draining
                upstreams.add(TestUpstream.start((ctx, req, n) -> {
                    req.retain();
                    ctx.executor().schedule(() -> {
                        try {
                            TestUpstream.send(ctx, req, 200, body);
                        } finally {
                            req.release();
                        }
                    }, 20, TimeUnit.MILLISECONDS);
                }));
            }
            // cluster-a moves between u0 and u2, cluster-b between u1 and u3
            Mesh mesh = new Mesh(XdsProxy.freePort(), upstreams.get(0).port(), upstreams.get(1).port());
            cp.set(mesh.snapshot());
            try (XdsProxy proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, delta))) {
                XdsAdsE2ETest.awaitAck(cp, delta, EDS, "0");
                proxy.awaitReply("initial config", mesh.listenerPort, "/", r -> r.body().equals("u0"));
                double ldsBefore = proxy.metric("envoy_listener_manager_lds_update_success");
                try (Load load = new Load(mesh.listenerPort, 2, "/", "/b", "/x")) {
                    load.awaitProgress(20);
                    for (int gen = 1; gen <= updates; gen++) {
                        String v = Integer.toString(gen);
                        String type;
                        switch (gen % 5) {
                            case 1 -> { // route: "/" to the other cluster
                                mesh.weighted = false;
                                mesh.target = mesh.rootCluster().equals("cluster-a") ? "cluster-b" : "cluster-a";
                                mesh.rdsVersion = v;
                                type = RDS;
                            }
                            case 2 -> { // weights: a 100/0 split flipped away from where "/" goes now
                                mesh.weightA = mesh.rootCluster().equals("cluster-a") ? 0 : 100;
                                mesh.weighted = true;
                                mesh.rdsVersion = v;
                                type = RDS;
                            }
                            case 3 -> { // EDS only: both clusters move to their other upstream
                                mesh.portA = mesh.portA == upstreams.get(0).port() ? upstreams.get(2).port() : upstreams.get(0).port();
                                mesh.portB = mesh.portB == upstreams.get(1).port() ? upstreams.get(3).port() : upstreams.get(1).port();
                                mesh.edsVersion = v;
                                type = EDS;
                            }
                            case 4 -> { // CDS: both clusters change in place (connect_timeout, lb_policy), same endpoints
                                mesh.clusterGen++;
                                mesh.cdsVersion = v;
                                type = CDS;
                            }
                            default -> { // LDS: a changed HCM (server_name), the listener drains its old connections
                                mesh.serverName = "gen-" + gen;
                                mesh.ldsVersion = v;
                                type = LDS;
                            }
                        }
                        cp.set(mesh.snapshot());
                        XdsAdsE2ETest.awaitAck(cp, delta, type, v);
                        String body = "u" + upstreams.stream().map(TestUpstream::port).toList().indexOf(mesh.rootPort());
                        String bBody = "u" + upstreams.stream().map(TestUpstream::port).toList().indexOf(mesh.portB);
                        String server = mesh.serverName;
                        proxy.awaitReply("generation " + gen + " on /", mesh.listenerPort, "/",
                                r -> r.status() == 200 && r.body().equals(body) && r.server().equals(server));
                        proxy.awaitReply("generation " + gen + " on /b", mesh.listenerPort, "/b",
                                r -> r.status() == 200 && r.body().equals(bBody) && r.server().equals(server));
                        load.awaitProgress(10);
                        assertEquals(List.of(), load.failures, "failed requests after generation " + gen);
                    }
                    load.close();
                    assertEquals(List.of(), load.failures, "failed requests");
                    assertTrue(load.ok.get() > 50, "the load ran: " + load.ok.get());
                    // each HCM change drained every old connection (connection: close), so each client reconnected
                    // once; RDS, CDS and EDS updates leave the listener and its connections alone
                    assertEquals(2L * (1 + updates / 5), load.connections.get(),
                            "client connections: one per client, plus one per client for each listener change");
                }
                int ldsUpdates = updates / 5;
                assertEquals(ldsBefore + ldsUpdates, proxy.metric("envoy_listener_manager_lds_update_success"),
                        "one LDS update per LDS change" + (delta ? "" : " (state of the world: per changed LDS version)"));
                assertEquals(0.0, proxy.metric("envoy_listener_manager_lds_update_rejected"));
                assertEquals(0.0, proxy.metric("envoy_cluster_manager_cds_update_rejected"));
                assertTrue(proxy.metric("envoy_cluster_manager_cds_update_success") >= 1.0);
            }
        } finally {
            upstreams.forEach(TestUpstream::close);
        }
    }
}
