package io.remora.e2e.xds;

import com.google.protobuf.Any;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.remora.e2e.TestUpstream;
import io.remora.testing.TestCerts;
import io.remora.xds.ads.TestControlPlane;
import io.remora.xds.ads.XdsTestResources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SDS from java-control-plane over ADS (state of the world and delta): the server sidecar's
 * inbound listener names its certificate ("default") and roots ("ROOTCA") as Istio does; it
 * warms (is not bound) until they arrive; then a client sidecar reaches it over mTLS, and a
 * rotation of the server certificate under continuous load fails no request, drops no
 * established connection, and new handshakes present the new certificate.
 */
class SdsE2ETest {
    private static final String SERVER_ID = "spiffe://cluster.local/ns/default/sa/server";
    private static final String CLIENT_ID = "spiffe://cluster.local/ns/default/sa/client";

    @TempDir
    Path dir;
    private final TestControlPlane cp = new TestControlPlane();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        cp.close();
    }

    /** Istio's sds_config: a separate SDS stream to pilot-agent's sds-grpc, waiting for ever for the secret. */
    static final io.envoyproxy.envoy.config.core.v3.ConfigSource SDS_GRPC = io.envoyproxy.envoy.config.core.v3.ConfigSource.newBuilder()
            .setApiConfigSource(io.envoyproxy.envoy.config.core.v3.ApiConfigSource.newBuilder()
                    .setApiType(io.envoyproxy.envoy.config.core.v3.ApiConfigSource.ApiType.GRPC)
                    .setTransportApiVersion(io.envoyproxy.envoy.config.core.v3.ApiVersion.V3)
                    .setSetNodeOnFirstMessageOnly(true)
                    .addGrpcServices(io.envoyproxy.envoy.config.core.v3.GrpcService.newBuilder()
                            .setEnvoyGrpc(io.envoyproxy.envoy.config.core.v3.GrpcService.EnvoyGrpc.newBuilder()
                                    .setClusterName("sds-grpc"))))
            .setInitialFetchTimeout(com.google.protobuf.Duration.getDefaultInstance())
            .setResourceApiVersion(io.envoyproxy.envoy.config.core.v3.ApiVersion.V3)
            .build();

    private static Listener inbound(int port) {
        return inbound(port, XdsTestResources.ADS);
    }

    private static Listener inbound(int port, io.envoyproxy.envoy.config.core.v3.ConfigSource sdsConfig) {
        SdsSecretConfig cert = SdsSecretConfig.newBuilder().setName("default").setSdsConfig(sdsConfig).build();
        SdsSecretConfig roots = SdsSecretConfig.newBuilder().setName("ROOTCA").setSdsConfig(sdsConfig).build();
        DownstreamTlsContext tls = DownstreamTlsContext.newBuilder()
                .setRequireClientCertificate(com.google.protobuf.BoolValue.of(true))
                .setCommonTlsContext(CommonTlsContext.newBuilder()
                        .addAlpnProtocols("http/1.1")
                        .addTlsCertificateSdsSecretConfigs(cert)
                        .setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
                                .setDefaultValidationContext(CertificateValidationContext.newBuilder()
                                        .addMatchSubjectAltNames(StringMatcher.newBuilder().setPrefix("spiffe://cluster.local/")))
                                .setValidationContextSdsSecretConfig(roots)))
                .build();
        var hcm = io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.newBuilder()
                .setStatPrefix("inbound")
                .setRds(io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds.newBuilder()
                        .setRouteConfigName("route-0").setConfigSource(XdsTestResources.ADS))
                .addHttpFilters(io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter.newBuilder()
                        .setName("envoy.filters.http.router")
                        .setTypedConfig(Any.pack(io.envoyproxy.envoy.extensions.filters.http.router.v3.Router.getDefaultInstance())))
                .build();
        return Listener.newBuilder().setName("inbound").setAddress(XdsTestResources.address(port))
                .addFilterChains(io.envoyproxy.envoy.config.listener.v3.FilterChain.newBuilder()
                        .addFilters(io.envoyproxy.envoy.config.listener.v3.Filter.newBuilder()
                                .setName("envoy.filters.network.http_connection_manager").setTypedConfig(Any.pack(hcm)))
                        .setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")
                                .setTypedConfig(Any.pack(tls))))
                .build();
    }

    private static Secret certSecret(TestCerts.Leaf leaf) {
        return Secret.newBuilder().setName("default").setTlsCertificate(TlsCertificate.newBuilder()
                .setCertificateChain(DataSource.newBuilder().setInlineString(leaf.certPem()))
                .setPrivateKey(DataSource.newBuilder().setInlineString(leaf.keyPem()))).build();
    }

    private static Secret rootSecret(String pem) {
        return Secret.newBuilder().setName("ROOTCA").setValidationContext(CertificateValidationContext.newBuilder()
                .setTrustedCa(DataSource.newBuilder().setInlineString(pem))).build();
    }

    private static Snapshot snapshot(int port, int appPort, List<Secret> secrets, String version) {
        return Snapshot.create(List.of(XdsTestResources.edsCluster("app", null)),
                List.of(XdsTestResources.endpoints("app", appPort)),
                List.of(inbound(port)),
                List.of(XdsTestResources.route("route-0", "app")),
                secrets, version);
    }

    private static String clientSidecar(int out, int serverPort, Path certs) {
        return """
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                static_resources:
                  listeners:
                  - name: outbound
                    address: { socket_address: { address: 127.0.0.1, port_value: %1$d } }
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: outbound
                          route_config:
                            virtual_hosts:
                            - name: server
                              domains: ["*"]
                              routes:
                              - match: { prefix: "/" }
                                route: { cluster: server }
                          http_filters:
                          - name: envoy.filters.http.router
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                  clusters:
                  - name: server
                    type: STATIC
                    connect_timeout: 2s
                    load_assignment:
                      cluster_name: server
                      endpoints:
                      - lb_endpoints:
                        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %2$d } } }
                    transport_socket:
                      name: envoy.transport_sockets.tls
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                        common_tls_context:
                          tls_params: { tls_maximum_protocol_version: TLSv1_3 }
                          tls_certificates:
                          - certificate_chain: { filename: "%3$s/client-cert.pem" }
                            private_key: { filename: "%3$s/client-key.pem" }
                          validation_context:
                            trusted_ca: { filename: "%3$s/roots.pem" }
                            match_typed_subject_alt_names:
                            - san_type: URI
                              matcher: { exact: "%4$s" }
                """.formatted(out, serverPort, certs, SERVER_ID);
    }

    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void sdsOverAdsWarmsThenRotatesUnderLoad(boolean delta) throws Exception {
        TestCerts.Ca ca1 = TestCerts.ca("ca-1");
        TestCerts.Ca ca2 = TestCerts.ca("ca-2");
        String roots = ca1.pem() + ca2.pem();
        Path certs = dir.resolve("certs");
        ca1.issue("client", CLIENT_ID).write(certs, "client");
        Files.writeString(certs.resolve("roots.pem"), roots);
        TestCerts.Leaf server1 = ca1.issue("server-1", SERVER_ID);
        TestCerts.Leaf server2 = ca2.issue("server-2", SERVER_ID);

        TestUpstream app = TestUpstream.text("hello");
        closeables.add(app);
        int in = XdsProxy.freePort();
        int out = XdsProxy.freePort();
        cp.startTcp(0);
        // Listener and cluster, but not the secrets yet: the listener must warm, not serve.
        cp.set(snapshot(in, app.port(), List.of(), "1"));
        XdsProxy server = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, delta));
        closeables.add(server);
        XdsProxy client = XdsProxy.start(clientSidecar(out, in, certs));
        closeables.add(client);
        Thread.sleep(1000);
        assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", in).close(),
                "a listener whose secrets have not arrived is not bound");

        cp.set(snapshot(in, app.port(), List.of(certSecret(server1), rootSecret(roots)), "2"));
        client.awaitReply("served once the secrets arrived", out, "/", r -> r.status() == 200);
        assertTrue(sClientSubject(in, certs).contains("CN = server-1"));

        rotateUnderLoad(client, out, in, certs,
                () -> cp.set(snapshot(in, app.port(), List.of(certSecret(server2), rootSecret(roots)), "3")));
        // SdsApi's subscription counts in its own scope, sds.<secret>.: the certificate arrived, then rotated; its
        // stats are made as it starts (GrpcSubscriptionImpl::start counts an update_attempt), each update another
        assertEquals(2.0, server.metric("envoy_sds_default_update_success"));
        assertEquals(0.0, server.metric("envoy_sds_default_update_rejected"));
        assertEquals(0.0, server.metric("envoy_sds_default_init_fetch_timeout"));
        double failures = server.metric("envoy_sds_default_update_failure");
        assertEquals(3.0 + failures, server.metric("envoy_sds_default_update_attempt"));
        assertTrue(server.metric("envoy_sds_default_update_time") > 0);
    }

    /**
     * Istio's shape: listeners and clusters over delta ADS on one Unix socket (xds-grpc), their secrets over a
     * separate SecretDiscoveryService stream on another (sds-grpc), initial_fetch_timeout 0s. The listener warms
     * (for ever) until the secrets arrive on their own stream, then serves mTLS; a rotation pushed on that stream
     * under continuous load fails no request and is ACKed there.
     */
    @org.junit.jupiter.api.Test
    void separateSdsStreamOnAUnixSocketWarmsThenRotatesUnderLoad() throws Exception {
        TestCerts.Ca ca1 = TestCerts.ca("ca-1");
        TestCerts.Ca ca2 = TestCerts.ca("ca-2");
        String roots = ca1.pem() + ca2.pem();
        Path certs = dir.resolve("certs");
        ca1.issue("client", CLIENT_ID).write(certs, "client");
        Files.writeString(certs.resolve("roots.pem"), roots);
        TestCerts.Leaf server1 = ca1.issue("server-1", SERVER_ID);
        TestCerts.Leaf server2 = ca2.issue("server-2", SERVER_ID);

        TestUpstream app = TestUpstream.text("hello");
        closeables.add(app);
        int in = XdsProxy.freePort();
        int out = XdsProxy.freePort();
        String xdsSocket = dir.resolve("XDS").toString();
        String sdsSocket = dir.resolve("sds.sock").toString();
        cp.startUds(xdsSocket);
        TestControlPlane sds = new TestControlPlane().startUds(sdsSocket);
        closeables.add(sds);
        cp.set(Snapshot.create(List.of(XdsTestResources.edsCluster("app", null)), List.of(XdsTestResources.endpoints("app", app.port())),
                List.of(inbound(in, SDS_GRPC)), List.of(XdsTestResources.route("route-0", "app")), List.of(), "1"));
        XdsProxy server = XdsProxy.start(XdsProxy.istioUdsBootstrap(xdsSocket, sdsSocket));
        closeables.add(server);
        XdsProxy client = XdsProxy.start(clientSidecar(out, in, certs));
        closeables.add(client);
        var first = sds.awaitRequest("the SDS request on its own stream",
                r -> r.getTypeUrl().equals(io.remora.xds.ads.XdsResourceType.SECRET.typeUrl));
        assertEquals(java.util.Set.of("default", "ROOTCA"), java.util.Set.copyOf(first.getResourceNamesList()));
        assertTrue(first.hasNode(), "the node goes on the stream's first request");
        assertTrue(cp.deltaRequests.stream().noneMatch(r -> r.getTypeUrl().equals(io.remora.xds.ads.XdsResourceType.SECRET.typeUrl)),
                "secrets of an api_config_source are not asked for over ADS");
        Thread.sleep(1000);
        assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", in).close(),
                "a listener whose secrets have not arrived is not bound");
        assertTrue(server.admin("/ready").contains("INITIALIZING"), "warming for ever (initial_fetch_timeout 0s)");

        sds.set(Snapshot.create(List.of(), List.of(), List.of(), List.of(), List.of(certSecret(server1), rootSecret(roots)), "s1"));
        client.awaitReply("served once the secrets arrived", out, "/", r -> r.status() == 200);
        assertTrue(sClientSubject(in, certs).contains("CN = server-1"));
        assertTrue(server.admin("/ready").contains("LIVE"));
        sds.awaitSotwAck(io.remora.xds.ads.XdsResourceType.SECRET.typeUrl, "s1");

        rotateUnderLoad(client, out, in, certs, () -> sds.set(Snapshot.create(List.of(), List.of(), List.of(), List.of(),
                List.of(certSecret(server2), rootSecret(roots)), "s2")));
        sds.awaitSotwAck(io.remora.xds.ads.XdsResourceType.SECRET.typeUrl, "s2");
    }

    /**
     * Secrets that never come, over ADS with initial_fetch_timeout 1s: each SdsApi subscription's timer fires
     * (GrpcSubscriptionImpl counts init_fetch_timeout and an update_attempt) and SdsApi::onConfigUpdateFailed readies
     * its init target, so the server goes LIVE and the listener is bound; once the secrets come it serves mTLS.
     */
    @org.junit.jupiter.api.Test
    void secretsThatNeverComeTimeOut() throws Exception {
        TestCerts.Ca ca = TestCerts.ca("ca-1");
        Path certs = dir.resolve("certs");
        ca.issue("client", CLIENT_ID).write(certs, "client");
        Files.writeString(certs.resolve("roots.pem"), ca.pem());
        TestUpstream app = TestUpstream.text("hello");
        closeables.add(app);
        int in = XdsProxy.freePort();
        int out = XdsProxy.freePort();
        cp.startTcp(0);
        var sdsConfig = XdsTestResources.ADS.toBuilder()
                .setInitialFetchTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(1)).build();
        List<io.envoyproxy.envoy.config.route.v3.RouteConfiguration> routes = List.of(XdsTestResources.route("route-0", "app"));
        cp.set(Snapshot.create(List.of(XdsTestResources.edsCluster("app", null)),
                List.of(XdsTestResources.endpoints("app", app.port())), List.of(inbound(in, sdsConfig)), routes,
                List.of(), "1"));
        XdsProxy server = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, false));
        closeables.add(server);
        TestControlPlane.await("LIVE once the secrets timed out", () -> server.admin("/ready").contains("LIVE"));
        new Socket("127.0.0.1", in).close(); // no longer warming: bound
        for (String secret : new String[] {"default", "ROOTCA"}) {
            assertEquals(1.0, server.metric("envoy_sds_" + secret + "_init_fetch_timeout"), secret);
            assertEquals(2.0 + server.metric("envoy_sds_" + secret + "_update_failure"),
                    server.metric("envoy_sds_" + secret + "_update_attempt"), secret + ": its start and its timeout");
            assertEquals(0.0, server.metric("envoy_sds_" + secret + "_update_success"), secret);
        }

        XdsProxy client = XdsProxy.start(clientSidecar(out, in, certs));
        closeables.add(client);
        cp.set(Snapshot.create(List.of(XdsTestResources.edsCluster("app", null)),
                List.of(XdsTestResources.endpoints("app", app.port())), List.of(inbound(in, sdsConfig)), routes,
                List.of(certSecret(ca.issue("server-1", SERVER_ID)), rootSecret(ca.pem())), "2"));
        client.awaitReply("served once the secrets came", out, "/", r -> r.status() == 200);
        assertEquals(1.0, server.metric("envoy_sds_default_init_fetch_timeout"), "the timer fires once");
    }

    /** Continuous load through the client sidecar while {@code rotate} changes the server's certificate. */
    private static void rotateUnderLoad(XdsProxy client, int out, int in, Path certs, Runnable rotate) throws Exception {
        // Continuous load through the client sidecar while the certificate rotates.
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Thread> load = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread th = new Thread(() -> {
                while (running.get()) {
                    XdsProxy.Reply r = client.get(out, "/load");
                    if (r.status() == 200) {
                        ok.incrementAndGet();
                    } else {
                        failures.add(r.toString());
                    }
                }
            });
            th.start();
            load.add(th);
        }
        Thread.sleep(500);
        double destroyedBefore = client.metric("envoy_cluster_upstream_cx_destroy", "envoy_cluster_name=\"server\"");
        rotate.run();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        String subject = "";
        while (System.nanoTime() < deadline && !subject.contains("CN = server-2")) {
            subject = sClientSubject(in, certs);
            Thread.sleep(100);
        }
        Thread.sleep(500);
        running.set(false);
        for (Thread th : load) {
            th.join(10_000);
        }
        assertTrue(subject.contains("CN = server-2"), "new handshakes present the rotated certificate: " + subject);
        assertTrue(failures.isEmpty(), failures.size() + " failed requests during rotation, first: "
                + (failures.isEmpty() ? "" : failures.get(0)));
        assertTrue(ok.get() > 20, "load ran: " + ok.get());
        assertEquals(destroyedBefore, client.metric("envoy_cluster_upstream_cx_destroy", "envoy_cluster_name=\"server\""),
                "established connections were not dropped by the rotation");
    }

    /** The subject line of the certificate the server presents to openssl s_client (with a client cert). */
    private static String sClientSubject(int port, Path certs) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-cert", certs.resolve("client-cert.pem").toString(), "-key", certs.resolve("client-key.pem").toString(),
                "-CAfile", certs.resolve("roots.pem").toString()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(10, TimeUnit.SECONDS);
        for (String line : out.split("\n")) {
            if (line.contains("subject=") || line.startsWith("subject")) {
                return line;
            }
        }
        return out.length() > 300 ? out.substring(0, 300) : out;
    }
}
