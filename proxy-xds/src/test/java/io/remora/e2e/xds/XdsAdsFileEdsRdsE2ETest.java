package io.remora.e2e.xds;

import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.PathConfigSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.remora.e2e.xds.XdsFileConfigE2ETest.moveIntoPlace;
import static io.remora.e2e.xds.XdsFileEdsRdsE2ETest.cla;
import static io.remora.e2e.xds.XdsFileEdsRdsE2ETest.routes;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A control plane's listener and clusters whose RDS and EDS are files: read from the files, never asked of the ADS
 * stream, and a replaced file moves the traffic.
 */
class XdsAdsFileEdsRdsE2ETest extends MeshTestBase {
    @TempDir
    Path dir;

    private static ConfigSource file(Path p) {
        return ConfigSource.newBuilder().setPathConfigSource(PathConfigSource.newBuilder().setPath(p.toString())).build();
    }

    @Test
    void adsListenersAndClustersReadTheirRdsAndEdsFiles() throws Exception {
        Path rds = dir.resolve("rds.yaml");
        Path edsA = dir.resolve("eds-a.yaml");
        Path edsB = dir.resolve("eds-b.yaml");
        Files.writeString(rds, routes("f1", "route-0", "cluster-b"));
        Files.writeString(edsA, cla("f1", "cluster-a", a.port()));
        Files.writeString(edsB, cla("f1", "svc-b", b.port()));
        mesh.rdsSource = file(rds);
        mesh.edsSource = file(edsA);
        mesh.edsSourceB = file(edsB);
        cp.set(mesh.snapshot());
        proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, false));
        proxy.awaitReply("the file's route to cluster-b", mesh.listenerPort, "/", r -> r.body().equals("u-b"));

        moveIntoPlace(rds, routes("f2", "route-0", "cluster-a"));
        proxy.awaitReply("the moved RDS file", mesh.listenerPort, "/", r -> r.body().equals("u-a"));
        moveIntoPlace(edsA, cla("f2", "cluster-a", b.port()));
        proxy.awaitReply("the moved EDS file", mesh.listenerPort, "/", r -> r.body().equals("u-b"));

        // what files bring is not subscribed over ADS
        for (var r : cp.requests(XdsAdsE2ETest.EDS)) {
            assertTrue(r.getResourceNamesList().isEmpty(), r.toString());
        }
        for (var r : cp.requests(XdsAdsE2ETest.RDS)) {
            assertTrue(r.getResourceNamesList().isEmpty(), r.toString());
        }
    }
}
