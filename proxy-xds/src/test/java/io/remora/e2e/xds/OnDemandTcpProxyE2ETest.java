package io.remora.e2e.xds;

import com.google.protobuf.Any;
import com.google.protobuf.util.Durations;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.remora.e2e.TestUpstream;
import io.remora.xds.ads.TestControlPlane;
import io.remora.xds.ads.XdsResourceType;
import io.remora.xds.ads.XdsTestResources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * tcp_proxy's {@code on_demand} over delta ADS with no CDS subscription of its own: a connection whose cluster
 * is unknown waits while java-control-plane is asked for it by name, then is proxied; a cluster never delivered
 * closes the connection at the lookup's timeout, counted as Envoy's {@code tcp.<prefix>.on_demand_cluster_*}.
 */
class OnDemandTcpProxyE2ETest {
    private static final String CDS = XdsResourceType.CLUSTER.typeUrl;

    private final TestControlPlane cp = new TestControlPlane();
    private TestUpstream upstream;
    private XdsProxy proxy;
    private int served;
    private int missing;

    @BeforeEach
    void start() throws Exception {
        cp.startTcp(0);
        upstream = TestUpstream.text("tcp-on-demand");
        served = XdsProxy.freePort();
        missing = XdsProxy.freePort();
        cp.set(Snapshot.create(List.of(XdsTestResources.edsCluster("cluster-od", null)),
                List.of(XdsTestResources.endpoints("cluster-od", upstream.port())),
                List.of(tcpListener("served", served, "cluster-od"), tcpListener("missing", missing, "cluster-missing")),
                List.of(), List.of(), "0"));
        proxy = XdsProxy.start(XdsProxy.onDemandClustersBootstrap(cp.port));
        cp.awaitDeltaAck(XdsResourceType.LISTENER.typeUrl, "0");
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        cp.close();
        upstream.close();
    }

    private static Listener tcpListener(String name, int port, String cluster) {
        TcpProxy tcp = TcpProxy.newBuilder().setStatPrefix(name).setCluster(cluster)
                .setOnDemand(TcpProxy.OnDemand.newBuilder().setOdcdsConfig(XdsTestResources.ADS)
                        .setTimeout(Durations.fromMillis(1500)))
                .build();
        return Listener.newBuilder().setName(name).setAddress(XdsTestResources.address(port))
                .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
                        .setName("envoy.filters.network.tcp_proxy").setTypedConfig(Any.pack(tcp))))
                .build();
    }

    @Test
    void aClusterDeliveredOnDemandCarriesTheConnectionThatAskedForIt() throws Exception {
        assertTrue(cp.deltaRequests(CDS).stream().noneMatch(q -> q.getResourceNamesSubscribeList().contains("cluster-od")),
                "not asked for before a connection needs it");
        String first = XdsProxy.awaitRaw(served, "tcp-on-demand");
        assertTrue(first.startsWith("HTTP/1.1 200"), first);
        assertTrue(cp.deltaRequests(CDS).stream().anyMatch(q -> q.getResourceNamesSubscribeList().contains("cluster-od")),
                "the cluster was asked for by name");
        assertEquals(1.0, proxy.metric("envoy_tcp_on_demand_cluster_attempt", "envoy_tcp_prefix=\"served\""));
        assertEquals(1.0, proxy.metric("envoy_tcp_on_demand_cluster_success", "envoy_tcp_prefix=\"served\""));
        // Known from then on: the next connection does not ask again.
        XdsProxy.awaitRaw(served, "tcp-on-demand");
        assertEquals(1.0, proxy.metric("envoy_tcp_on_demand_cluster_attempt", "envoy_tcp_prefix=\"served\""));
        assertEquals(0.0, proxy.metric("envoy_tcp_downstream_cx_no_route", "envoy_tcp_prefix=\"served\""));
    }

    @Test
    void aClusterNeverDeliveredClosesTheConnectionAtTheTimeout() throws Exception {
        long started = System.nanoTime();
        String got;
        try (Socket s = new Socket("127.0.0.1", missing)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nhost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[512];
            try {
                for (int n; (n = in.read(buf)) > 0; ) {
                    out.write(buf, 0, n);
                }
            } catch (java.net.SocketException reset) {
                // the request was never read: the kernel resets rather than closes
            }
            got = out.toString(StandardCharsets.US_ASCII);
        }
        long waitedMs = (System.nanoTime() - started) / 1_000_000;
        assertEquals("", got, "closed without an answer");
        assertTrue(waitedMs >= 1400, "held for the on_demand timeout first: " + waitedMs + " ms");
        assertTrue(cp.deltaRequests(CDS).stream().anyMatch(q -> q.getResourceNamesSubscribeList().contains("cluster-missing")));
        assertEquals(1.0, proxy.metric("envoy_tcp_on_demand_cluster_attempt", "envoy_tcp_prefix=\"missing\""));
        assertEquals(1.0, proxy.metric("envoy_tcp_on_demand_cluster_timeout", "envoy_tcp_prefix=\"missing\""));
        assertEquals(1.0, proxy.metric("envoy_tcp_downstream_cx_no_route", "envoy_tcp_prefix=\"missing\""));
    }
}
