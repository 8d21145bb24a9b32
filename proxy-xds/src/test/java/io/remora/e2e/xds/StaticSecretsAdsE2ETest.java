package io.remora.e2e.xds;

import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.GenericSecret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.remora.e2e.TestUpstream;
import io.remora.xds.ads.TestControlPlane;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Secrets named by the bootstrap's static resources and fetched over ADS, as Envoy's secret manager
 * subscribes for them: a static listener's credential_injector takes its generic secret from the
 * control plane (which serves nothing else), follows its rotation, and a bootstrap naming an ADS
 * secret without ads_config is refused.
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

    private static Snapshot secret(String value, String version) {
        return Snapshot.create(List.of(), List.of(), List.of(), List.of(), List.of(Secret.newBuilder().setName("api-key")
                .setGenericSecret(GenericSecret.newBuilder().setSecret(DataSource.newBuilder().setInlineString(value)))
                .build()), version);
    }

    /** A static listener injecting the ADS secret "api-key"; {@code dynamic} is the dynamic_resources block. */
    private static String bootstrap(int port, int appPort, String dynamic, int adsPort) {
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
                  clusters:
                  - name: app
                    type: STATIC
                    connect_timeout: 1s
                    load_assignment:
                      cluster_name: app
                      endpoints:
                      - lb_endpoints:
                        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }
                  - name: xds-grpc
                    type: STATIC
                    connect_timeout: 1s
                    typed_extension_protocol_options:
                      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                        explicit_http_config: { http2_protocol_options: {} }
                    load_assignment:
                      cluster_name: xds-grpc
                      endpoints:
                      - lb_endpoints:
                        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }
                """.formatted(dynamic, port, appPort, adsPort);
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

    @Test
    void anAdsSecretWithoutAdsConfigIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> XdsProxy.start(bootstrap(XdsProxy.freePort(), 1, "", 1)));
        assertTrue(e.getMessage().contains("ads_config is missing"), e.getMessage());
        assertEquals(IllegalArgumentException.class, e.getClass());
    }
}
