package io.remora.e2e.xds;

import io.envoyproxy.controlplane.cache.v3.Snapshot;
import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.GenericSecret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.remora.e2e.TestUpstream;
import io.remora.testing.TestCerts;
import io.remora.xds.ads.TestControlPlane;
import io.remora.xds.ads.XdsTestResources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Secrets named by the bootstrap's static resources and fetched over ADS, as Envoy's secret manager
 * subscribes for them: a static listener's credential_injector takes its generic secret from the
 * control plane (which serves nothing else) and follows its rotation; a static listener's TLS
 * certificate comes the same way; a bootstrap naming an ADS secret without ads_config is refused; an xDS listener,
 * cluster or ECDS filter config naming a static secret that does not load is NACKed.
 */
class StaticSecretsAdsE2ETest {
    private final TestControlPlane cp = new TestControlPlane();
    private XdsProxy proxy;
    private TestUpstream app;

    @AfterEach
    void tearDown() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (app != null) {
            app.close();
        }
        cp.close();
    }

    private static Snapshot secret(String value, String version, Secret... more) {
        List<Secret> secrets = new java.util.ArrayList<>(List.of(more));
        secrets.add(Secret.newBuilder().setName("api-key")
                .setGenericSecret(GenericSecret.newBuilder().setSecret(DataSource.newBuilder().setInlineString(value)))
                .build());
        return Snapshot.create(List.of(), List.of(), List.of(), List.of(), secrets, version);
    }

    /** A static listener injecting the ADS secret "api-key"; {@code dynamic} is the dynamic_resources block. */
    private static String bootstrap(int port, int appPort, String dynamic, int adsPort) {
        return bootstrap(port, appPort, dynamic, adsPort, "");
    }

    /** As above, with {@code chainFields} beside the listener's filters (its transport_socket). */
    private static String bootstrap(int port, int appPort, String dynamic, int adsPort, String chainFields) {
        return """
                node: { id: "sidecar~10.0.0.1~app-1.ns~ns.svc.cluster.local", cluster: app.ns }
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                %s
                static_resources:
                  listeners:
                  - name: in
                    address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: in
                          route_config:
                            virtual_hosts:
                            - name: all
                              domains: ["*"]
                              routes:
                              - match: { prefix: "/" }
                                route: { cluster: app }
                          http_filters:
                          - name: envoy.filters.http.credential_injector
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.http.credential_injector.v3.CredentialInjector
                              credential:
                                name: generic
                                typed_config:
                                  "@type": type.googleapis.com/envoy.extensions.http.injected_credentials.generic.v3.Generic
                                  credential: { name: api-key, sds_config: { ads: {}, resource_api_version: V3 } }
                          - name: envoy.filters.http.router
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                %s
                  clusters:
                  - name: app
                    type: STATIC
                    connect_timeout: 1s
                    load_assignment:
                      cluster_name: app
                      endpoints:
                      - lb_endpoints:
                        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }
                """.formatted(dynamic, port, chainFields.isBlank() ? "" : chainFields.indent(6).stripTrailing(), appPort)
                + XdsProxy.grpcCluster("xds-grpc", "{ socket_address: { address: 127.0.0.1, port_value: " + adsPort + " } }");
    }

    private static final String ADS_ONLY = """
            dynamic_resources:
              ads_config:
                api_type: GRPC
                transport_api_version: V3
                grpc_services:
                - envoy_grpc: { cluster_name: xds-grpc }
            """;

    @Test
    void aStaticListenersGenericSecretComesOverAdsAndRotates() throws Exception {
        app = TestUpstream.start((ctx, req, n) -> TestUpstream.send(ctx, req, 200,
                "authorization=" + req.headers().get("authorization")));
        cp.startTcp(0);
        cp.set(secret("Bearer one", "1"));
        int port = XdsProxy.freePort();
        proxy = XdsProxy.start(bootstrap(port, app.port(), ADS_ONLY, cp.port));
        proxy.awaitReply("the secret from ADS injected", port, "/", r -> r.body().equals("authorization=Bearer one"));
        cp.set(secret("Bearer two", "2"));
        proxy.awaitReply("the rotated secret injected", port, "/", r -> r.body().equals("authorization=Bearer two"));
    }

    /** A static listener's TLS certificate over ADS: handshakes succeed once the control plane serves it. */
    @Test
    void aStaticListenersCertificateComesOverAds() throws Exception {
        app = TestUpstream.start((ctx, req, n) -> TestUpstream.send(ctx, req, 200,
                "authorization=" + req.headers().get("authorization")));
        TestCerts.Ca ca = TestCerts.ca("static-sds-ca");
        TestCerts.Leaf server = ca.issue("server", "127.0.0.1");
        Secret cert = Secret.newBuilder().setName("server-cert").setTlsCertificate(TlsCertificate.newBuilder()
                .setCertificateChain(DataSource.newBuilder().setInlineString(server.certPem()))
                .setPrivateKey(DataSource.newBuilder().setInlineString(server.keyPem()))).build();
        cp.startTcp(0);
        cp.set(secret("Bearer tls", "1", cert));
        int port = XdsProxy.freePort();
        proxy = XdsProxy.start(bootstrap(port, app.port(), ADS_ONLY, cp.port, """
                transport_socket:
                  name: envoy.transport_sockets.tls
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
                    common_tls_context:
                      tls_certificate_sds_secret_configs:
                      - name: server-cert
                        sds_config: { ads: {}, resource_api_version: V3 }
                """));
        String reply = tlsGet(ca, port);
        assertTrue(reply != null && reply.startsWith("HTTP/1.1 200") && reply.endsWith("authorization=Bearer tls"), reply);
    }

    /** One HTTP/1.1 GET over TLS trusting {@code ca}, retried for 10 s while the listener is not serving yet. */
    private static String tlsGet(TestCerts.Ca ca, int port) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca.cert());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        String reply = null;
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
                s.setSoTimeout(5000);
                s.getOutputStream().write("GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            } catch (java.io.IOException notYet) {
                reply = notYet.toString();
                Thread.sleep(100);
            }
        }
        return reply;
    }

    /**
     * The bootstrap's static secrets: "good" (a certificate for 127.0.0.1) and "broken" (a PEM that does not parse);
     * "good-generic" and "broken-generic" (its file is missing).
     */
    private static String staticSecrets(TestCerts.Leaf good) {
        return """
                  secrets:
                  - name: good
                    tls_certificate:
                      certificate_chain: { inline_string: "%s" }
                      private_key: { inline_string: "%s" }
                  - name: broken
                    tls_certificate:
                      certificate_chain: { inline_string: "-----BEGIN CERTIFICATE-----\\nnot base64\\n-----END CERTIFICATE-----\\n" }
                      private_key: { inline_string: "x" }
                  - name: good-generic
                    generic_secret: { secret: { inline_string: "key-1" } }
                  - name: broken-generic
                    generic_secret: { secret: { filename: "/nonexistent/remora-static-secret" } }
                """.formatted(good.certPem().replace("\n", "\\n"), good.keyPem().replace("\n", "\\n"));
    }

    private static CommonTlsContext certificate(String staticSecret) {
        return CommonTlsContext.newBuilder()
                .addTlsCertificateSdsSecretConfigs(SdsSecretConfig.newBuilder().setName(staticSecret)).build();
    }

    /** A TLS listener answering {@code body} to every request, its certificate the static secret named. */
    private static Listener tlsListener(int port, String staticSecret, String body) {
        var hcm = HttpConnectionManager.newBuilder().setStatPrefix("tls")
                .setRouteConfig(RouteConfiguration.newBuilder().addVirtualHosts(VirtualHost.newBuilder().setName("all")
                        .addDomains("*").addRoutes(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                                .setDirectResponse(DirectResponseAction.newBuilder().setStatus(200)
                                        .setBody(DataSource.newBuilder().setInlineString(body))))))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")
                        .setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
        return Listener.newBuilder().setName("tls").setAddress(XdsTestResources.address(port))
                .addFilterChains(FilterChain.newBuilder()
                        .addFilters(Filter.newBuilder().setName("envoy.filters.network.http_connection_manager")
                                .setTypedConfig(Any.pack(hcm)))
                        .setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")
                                .setTypedConfig(Any.pack(DownstreamTlsContext.newBuilder()
                                        .setCommonTlsContext(certificate(staticSecret)).build()))))
                .build();
    }

    /**
     * Envoy builds a listener's or cluster's TLS context when the resource arrives: one naming a static secret whose
     * PEM does not parse fails there, and the LDS or CDS update is rejected while the old resources keep serving.
     */
    @Test
    void anXdsListenerOrClusterNamingABrokenStaticSecretIsNacked() throws Exception {
        TestCerts.Ca ca = TestCerts.ca("static-broken-ca");
        TestCerts.Leaf good = ca.issue("server", "127.0.0.1");
        cp.startTcp(0);
        int port = XdsProxy.freePort();
        cp.set(Snapshot.create(List.of(), List.of(), List.of(tlsListener(port, "good", "v1")), List.of(), List.of(), "1"));
        proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, false) + staticSecrets(good));
        String reply = tlsGet(ca, port);
        assertTrue(reply.startsWith("HTTP/1.1 200") && reply.endsWith("v1"), reply);

        cp.set(Snapshot.create(List.of(), List.of(), List.of(tlsListener(port, "broken", "v2")), List.of(), List.of(), "2"));
        String lds = cp.awaitNack(false, XdsAdsE2ETest.LDS, "1");
        assertTrue(lds.contains("tls: filter_chains[0].transport_socket.typed_config.common_tls_context"
                + ".tls_certificate_sds_secret_configs[0]: static secret 'broken' does not load:"), lds);
        reply = tlsGet(ca, port);
        assertTrue(reply.startsWith("HTTP/1.1 200") && reply.endsWith("v1"), "the old listener serves: " + reply);

        Cluster upstream = Cluster.newBuilder().setName("up").setType(Cluster.DiscoveryType.STATIC)
                .setLoadAssignment(XdsTestResources.endpoints("up", 1))
                .setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")
                        .setTypedConfig(Any.pack(UpstreamTlsContext.newBuilder()
                                .setCommonTlsContext(certificate("broken")).build()))).build();
        cp.set(Snapshot.create(List.of(upstream), List.of(), List.of(tlsListener(port, "good", "v1")), List.of(),
                List.of(), "3"));
        String cds = cp.awaitNack(false, XdsAdsE2ETest.CDS, "2");
        assertTrue(cds.contains("up: transport_socket.typed_config.common_tls_context"
                + ".tls_certificate_sds_secret_configs[0]: static secret 'broken' does not load:"), cds);
        assertTrue(proxy.admin("/clusters").lines().noneMatch(l -> l.startsWith("up::")), "the cluster is not added");
        reply = tlsGet(ca, port);
        assertTrue(reply.startsWith("HTTP/1.1 200") && reply.endsWith("v1"), reply);
    }

    /** A plaintext listener answering "ok", its one HTTP filter "inject" (a credential_injector) by ECDS over ADS. */
    private static Listener ecdsListener(int port) {
        var hcm = HttpConnectionManager.newBuilder().setStatPrefix("ecds")
                .setRouteConfig(RouteConfiguration.newBuilder().addVirtualHosts(VirtualHost.newBuilder().setName("all")
                        .addDomains("*").addRoutes(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                                .setDirectResponse(DirectResponseAction.newBuilder().setStatus(200)
                                        .setBody(DataSource.newBuilder().setInlineString("ok"))))))
                .addHttpFilters(HttpFilter.newBuilder().setName("inject").setConfigDiscovery(
                        io.envoyproxy.envoy.config.core.v3.ExtensionConfigSource.newBuilder().setConfigSource(Mesh.ADS)
                                .addTypeUrls("type.googleapis.com/envoy.extensions.filters.http.credential_injector.v3"
                                        + ".CredentialInjector")))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")
                        .setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
        return Listener.newBuilder().setName("ecds").setAddress(XdsTestResources.address(port))
                .addFilterChains(FilterChain.newBuilder()
                        .addFilters(Filter.newBuilder().setName("envoy.filters.network.http_connection_manager")
                                .setTypedConfig(Any.pack(hcm))))
                .build();
    }

    /** The ECDS config "inject": a credential_injector whose generic credential is the static secret named. */
    private static io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig inject(String staticSecret) {
        var generic = io.envoyproxy.envoy.extensions.http.injected_credentials.generic.v3.Generic.newBuilder()
                .setCredential(SdsSecretConfig.newBuilder().setName(staticSecret)).build();
        var injector = io.envoyproxy.envoy.extensions.filters.http.credential_injector.v3.CredentialInjector.newBuilder()
                .setCredential(io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig.newBuilder().setName("generic")
                        .setTypedConfig(Any.pack(generic)))
                .build();
        return io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig.newBuilder().setName("inject")
                .setTypedConfig(Any.pack(injector)).build();
    }

    /**
     * Envoy builds an ECDS filter's config when it arrives: a credential_injector naming a static generic secret whose
     * file is missing fails reading it there, and the ECDS update is rejected while the old config keeps serving.
     */
    @Test
    void anEcdsFilterConfigNamingABrokenStaticSecretIsNacked() throws Exception {
        cp.startTcp(0);
        int port = XdsProxy.freePort();
        cp.setExtensionConfigs("1", inject("good-generic"));
        cp.set(Snapshot.create(List.of(), List.of(), List.of(ecdsListener(port)), List.of(), List.of(), "1"));
        proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, false)
                + staticSecrets(TestCerts.ca("static-ecds-ca").issue("server", "127.0.0.1")));
        cp.awaitSotwAck(XdsAdsE2ETest.ECDS, "1");
        assertEquals("ok", proxy.awaitReply("the listener serves with its discovered filter", port, "/",
                r -> r.status() == 200).body());

        cp.setExtensionConfigs("2", inject("broken-generic"));
        String ecds = cp.awaitNack(false, XdsAdsE2ETest.ECDS, "1");
        assertTrue(ecds.contains("static secret 'broken-generic' does not load"), ecds);
        assertEquals("ok", proxy.awaitReply("the accepted config keeps serving", port, "/",
                r -> r.status() == 200).body());
    }

    @Test
    void anAdsSecretWithoutAdsConfigIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> XdsProxy.start(bootstrap(XdsProxy.freePort(), 1, "", 1)));
        assertTrue(e.getMessage().contains("ads_config is missing"), e.getMessage());
        assertEquals(IllegalArgumentException.class, e.getClass());
    }
}
