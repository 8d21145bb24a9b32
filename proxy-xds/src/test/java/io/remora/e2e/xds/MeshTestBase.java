package io.remora.e2e.xds;

import io.remora.e2e.TestUpstream;
import io.remora.xds.ads.TestControlPlane;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What the xDS end-to-end tests over the {@link Mesh} share: java-control-plane on a real socket, the two upstreams
 * the mesh's clusters reach ("u-a", "u-b"), the mesh state and the proxy a test starts; all closed after each test.
 */
abstract class MeshTestBase {
    final TestControlPlane cp = new TestControlPlane();
    TestUpstream a;
    TestUpstream b;
    XdsProxy proxy;
    Mesh mesh;

    @BeforeEach
    void startMesh() throws Exception {
        cp.startTcp(0);
        a = TestUpstream.text("u-a");
        b = TestUpstream.text("u-b");
        mesh = new Mesh(XdsProxy.freePort(), a.port(), b.port());
    }

    @AfterEach
    void stopMesh() {
        if (proxy != null) {
            proxy.close();
        }
        cp.close();
        a.close();
        b.close();
    }
}
