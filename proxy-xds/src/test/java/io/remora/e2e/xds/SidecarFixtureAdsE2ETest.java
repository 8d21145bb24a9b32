package io.remora.e2e.xds;

import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.remora.e2e.TestUpstream;
import io.remora.testing.TestCerts;
import io.remora.xds.TestResources;
import io.remora.xds.ads.TestControlPlane;
import io.remora.xds.ads.XdsTestResources;
import io.remora.xds.ads.XdsResourceType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every listener of a real Istio sidecar ({@code sidecar-listeners.json}: virtualInbound's mTLS
 * and plaintext chains, RBAC, ext_authz, Istio's own filters, the internal listeners and
 * connect_originate's tunnel) served over ADS, state of the world and delta, with the clusters and
 * routes they name and the SPIFFE secrets over a separate SDS stream to sds-grpc, as pilot-agent
 * serves them: every type is ACKed, nothing is NACKed, and the proxy is live with all of them.
 */
class SidecarFixtureAdsE2ETest {

    private static final String LDS = XdsResourceType.LISTENER.typeUrl;
    private static final String CDS = XdsResourceType.CLUSTER.typeUrl;
    private static final String RDS = XdsResourceType.ROUTE.typeUrl;

    private final TestControlPlane cp = new TestControlPlane();
    private TestUpstream app;
    private XdsProxy proxy;
    /** Where the fixture's bound listeners (15001, 15006, 15008) listen here, by name. */
    private final java.util.Map<String, Integer> ports = new java.util.HashMap<>();

    @BeforeEach
    void start() throws Exception {
        cp.startTcp(0);
        app = TestUpstream.text("app");
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        cp.close();
        app.close();
    }

    /** Names the fixture refers to by key (clusters, route configurations). */
    private static Set<String> names(String json, String key) {
        Set<String> out = new TreeSet<>();
        Matcher m = Pattern.compile("\"" + key + "\": \"([^\"]+)\"").matcher(json);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private Snapshot snapshot() throws Exception {
        String json = TestResources.text("istio/sidecar-listeners.json");
        List<Listener> listeners = new ArrayList<>();
        for (Listener l : TestResources.sidecarListeners()) {
            if (l.hasAddress() && l.getAddress().hasSocketAddress()
                    && (!l.hasBindToPort() || l.getBindToPort().getValue())) {
                // 15001, 15006, 15008: bound here, so on ports of the test's own.
                int port = XdsProxy.freePort();
                ports.put(l.getName(), port);
                l = l.toBuilder().setAddress(XdsTestResources.address(port)).build();
            }
            listeners.add(l);
        }
        List<Cluster> clusters = new ArrayList<>();
        Set<String> clusterNames = names(json, "cluster");
        clusterNames.addAll(names(json, "cluster_name"));
        clusterNames.remove("sds-grpc"); // the bootstrap's, as in Istio
        for (String name : clusterNames) {
            clusters.add(Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.STATIC)
                    .setConnectTimeout(com.google.protobuf.util.Durations.fromSeconds(1))
                    .setLoadAssignment(XdsTestResources.endpoints(name, app.port())).build());
        }
        List<RouteConfiguration> routes = new ArrayList<>();
        for (String name : names(json, "route_config_name")) {
            routes.add(XdsTestResources.route(name, "PassthroughCluster"));
        }
        TestCerts.Ca ca = TestCerts.ca("cluster.local");
        TestCerts.Leaf leaf = ca.issue("app", "spiffe://cluster.local/ns/default/sa/app");
        List<Secret> secrets = List.of(
                Secret.newBuilder().setName("default").setTlsCertificate(TlsCertificate.newBuilder()
                        .setCertificateChain(DataSource.newBuilder().setInlineString(leaf.certPem()))
                        .setPrivateKey(DataSource.newBuilder().setInlineString(leaf.keyPem()))).build(),
                Secret.newBuilder().setName("ROOTCA").setValidationContext(CertificateValidationContext.newBuilder()
                        .setTrustedCa(DataSource.newBuilder().setInlineString(ca.pem()))).build());
        return Snapshot.create(clusters, "1", List.of(), "1", listeners, "1", routes, "1", secrets, "1");
    }

    private String bootstrap(boolean delta) {
        return XdsProxy.adsBootstrap(cp.port, delta)
                + XdsProxy.sdsGrpcCluster("{ socket_address: { address: 127.0.0.1, port_value: " + cp.port + " } }");
    }

    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void everyListenerIsAckedAndServed(boolean delta) throws Exception {
        Snapshot snapshot = snapshot();
        cp.set(snapshot);
        proxy = XdsProxy.start(bootstrap(delta));
        for (String type : List.of(CDS, LDS, RDS)) {
            XdsAdsE2ETest.awaitAck(cp, delta, type, "1");
        }
        List<String> nacks = new ArrayList<>();
        if (delta) {
            cp.deltaRequests.stream().filter(DeltaDiscoveryRequest::hasErrorDetail)
                    .forEach(r -> nacks.add(r.getErrorDetail().getMessage()));
        } else {
            cp.requests.stream().filter(DiscoveryRequest::hasErrorDetail)
                    .forEach(r -> nacks.add(r.getErrorDetail().getMessage()));
        }
        assertEquals(List.of(), nacks, "nothing of the sidecar's config is rejected");
        TestControlPlane.await("every listener active", () -> {
            String listeners = proxy.admin("/listeners");
            return snapshot.listeners().resources().keySet().stream().allMatch(listeners::contains);
        });
        // the ACKs come as the responses are taken, the listeners warming behind them (their secrets over sds-grpc)
        TestControlPlane.await("LIVE once the listeners warmed", () -> proxy.admin("/ready").contains("LIVE"));
        virtualInboundEnforcesTheFixturesAuthorizationPolicies();
        virtualOutboundPassesUnknownTrafficThrough();
    }

    /**
     * The fixture's virtualInbound as served, with Istio's AuthorizationPolicies in its RBAC
     * filters: plaintext HTTP takes the catch-all HTTP chain, whose ALLOW policies need a principal
     * and a JWT claim, so it is refused with Envoy's 403; other plaintext TCP takes the TCP
     * catch-all, whose network RBAC has ALLOW rules with no policy (an HTTP-only policy), so the
     * connection is closed before anything reaches the app.
     */
    private void virtualInboundEnforcesTheFixturesAuthorizationPolicies() throws Exception {
        int inbound = ports.get("virtualInbound");
        // tcp_proxy connects upstream when the connection opens, as Envoy's does; the RBAC
        // filters in front keep every byte from it
        double served = proxy.metric("envoy_cluster_upstream_cx_tx_bytes_total",
                "envoy_cluster_name=\"InboundPassthroughClusterIpv4\"");
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + inbound + "/info")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(403, r.statusCode(), r.body());
        assertEquals("RBAC: access denied", r.body());
        assertTrue(proxy.metric("envoy_http_rbac_denied") >= 1, proxy.admin("/stats/prometheus"));
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", inbound)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("\u0001not http\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            assertEquals(-1, s.getInputStream().read(), "the network RBAC closes the connection");
        }
        // Istio's "tcp." prefix is also tcp_prefix's first token: Envoy's default extraction leaves "denied".
        TestControlPlane.await("the network RBAC's denial counted",
                () -> proxy.metric("envoy_denied", "envoy_rbac_prefix=\"tcp\"", "envoy_tcp_prefix=\"rbac\"") >= 1);
        double after = proxy.metric("envoy_cluster_upstream_cx_tx_bytes_total",
                "envoy_cluster_name=\"InboundPassthroughClusterIpv4\"");
        assertEquals(served, after, "nothing denied reached the app");
    }

    /** virtualOutbound as served: traffic with no listener of its own takes its catch-all to PassthroughCluster. */
    private void virtualOutboundPassesUnknownTrafficThrough() throws Exception {
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + ports.get("virtualOutbound")
                        + "/out")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("app", r.body());
    }
}
