package io.remora.xds.translate;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.bootstrap.LoadedBootstrap;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fields Remora used to drop without a word: EDS's named endpoints, proximity and LEDS, a socket address's
 * network namespace, the HCM's proxy protocol connection state, HTTP/2 max_metadata_size, the upstream
 * interface name, UDP prefer_gro and a private key provider's fallback.
 */
class SilentFieldsTranslationTest {

    private static final FieldPath P = FieldPath.of("cla");

    private static LbEndpoint.Builder endpoint(int port) {
        return LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder()
                .setSocketAddress(SocketAddress.newBuilder().setAddress("127.0.0.1").setPortValue(port))));
    }

    private static LoadedBootstrap load(String yaml) {
        return new BootstrapLoader().loadString(yaml, "test.yaml");
    }

    private static TranslationException refused(String yaml) {
        return assertThrows(TranslationException.class, () -> load(yaml));
    }

    @Test
    void namedEndpointsAndProximityAreWarnedAboutAsEnvoyImplementsNeither() {
        TranslationContext ctx = TranslationContext.lenient();
        var cla = EndpointTranslator.translate(ClusterLoadAssignment.newBuilder().setClusterName("c")
                .putNamedEndpoints("a", Endpoint.getDefaultInstance())
                .addEndpoints(LocalityLbEndpoints.newBuilder().setProximity(UInt32Value.of(2)).addLbEndpoints(endpoint(1)))
                .build(), P, ctx);
        assertEquals(1, cla.endpoints().get(0).lbEndpoints().size());
        assertEquals(2, ctx.warnings().size(), ctx.warnings().toString());
        assertTrue(ctx.warnings().get(0).contains("cla.named_endpoints"), ctx.warnings().toString());
        assertTrue(ctx.warnings().get(1).contains("cla.endpoints[0].proximity"), ctx.warnings().toString());
    }

    @Test
    void ledsAndEndpointNamesAreRefusedByField() {
        TranslationException leds = assertThrows(TranslationException.class, () -> EndpointTranslator.translate(
                ClusterLoadAssignment.newBuilder().setClusterName("c").addEndpoints(LocalityLbEndpoints.newBuilder()
                        .setLedsClusterLocalityConfig(io.envoyproxy.envoy.config.endpoint.v3.LedsClusterLocalityConfig.newBuilder()
                                .setLedsCollectionName("xdstp://x/leds"))).build(), P, TranslationContext.lenient()));
        assertEquals("cla.endpoints[0].leds_cluster_locality_config", leds.path());
        TranslationException named = assertThrows(TranslationException.class, () -> EndpointTranslator.translate(
                ClusterLoadAssignment.newBuilder().setClusterName("c").addEndpoints(LocalityLbEndpoints.newBuilder()
                        .addLbEndpoints(LbEndpoint.newBuilder().setEndpointName("a"))).build(), P,
                TranslationContext.lenient()));
        assertEquals("cla.endpoints[0].lb_endpoints[0].endpoint_name", named.path());
    }

    @Test
    void aNetworkNamespaceIsRefused() {
        TranslationException e = assertThrows(TranslationException.class, () -> AddressTranslator.translate(
                Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress("127.0.0.1").setPortValue(1)
                        .setNetworkNamespaceFilepath("/var/run/netns/blue")).build(), FieldPath.of("a")));
        assertEquals("a.socket_address.network_namespace_filepath", e.path());
    }

    @Test
    void proxyProtocolConnectionStateOffIsRefusedOnIsFine() {
        load(HcmListenerYaml.listener("add_proxy_protocol_connection_state: true", "route: { cluster: c1 }")
                + HcmListenerYaml.CLUSTER_C1);
        TranslationException e = refused(HcmListenerYaml.listener("add_proxy_protocol_connection_state: false",
                "route: { cluster: c1 }") + HcmListenerYaml.CLUSTER_C1);
        assertTrue(e.path().endsWith("typed_config.add_proxy_protocol_connection_state"), e.getMessage());
    }

    @Test
    void optionsWithNothingToActOnAreWarnedAboutByName() {
        LoadedBootstrap b = load(HcmListenerYaml.listener(
                "http2_protocol_options: { allow_metadata: true, max_metadata_size: 1024 }", "route: { cluster: c1 }")
                + """
                  clusters:
                  - name: c1
                    upstream_connection_options: { set_local_interface_name_on_upstream_connections: true }
                    load_assignment: { cluster_name: c1 }
                """);
        assertTrue(b.warnings().stream().anyMatch(w -> w.contains("http2_protocol_options.max_metadata_size")),
                b.warnings().toString());
        assertTrue(b.warnings().stream().anyMatch(w -> w.contains(
                "upstream_connection_options.set_local_interface_name_on_upstream_connections")), b.warnings().toString());
    }

    @Test
    void preferGroIsWarnedAbout() {
        LoadedBootstrap b = load("""
                static_resources:
                  listeners:
                  - name: u
                    address: { socket_address: { protocol: UDP, address: 127.0.0.1, port_value: 10000 } }
                    udp_listener_config: { downstream_socket_config: { prefer_gro: true } }
                    listener_filters:
                    - name: envoy.filters.udp_listener.udp_proxy
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig
                        stat_prefix: u
                        matcher:
                          on_no_match:
                            action:
                              name: route
                              typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.udp.udp_proxy.v3.Route, cluster: c1 }
                """ + HcmListenerYaml.CLUSTER_C1);
        assertTrue(b.warnings().stream().anyMatch(w -> w.contains("downstream_socket_config.prefer_gro")),
                b.warnings().toString());
    }

    private static String tlsWithProvider(String provider) {
        return TransportSocketTranslatorTest.bootstrap("common_tls_context:\n"
                + TransportSocketTranslatorTest.CERTS.indent(2) + "    private_key_provider: " + provider + "\n");
    }

    @Test
    void aKnownHardwareKeyProviderFallsBackToThePrivateKeyOnlyWhenAskedTo() {
        load(tlsWithProvider("{ provider_name: envoy.tls.key_providers.cryptomb, fallback: true }"));
        TranslationException off = refused(tlsWithProvider("{ provider_name: envoy.tls.key_providers.cryptomb }"));
        assertTrue(off.path().endsWith("tls_certificates[0].private_key_provider"), off.getMessage());
        assertTrue(off.getMessage().contains("set fallback: true"), off.getMessage());
        TranslationException unknown = refused(tlsWithProvider("{ provider_name: acme.hsm, fallback: true }"));
        assertTrue(unknown.path().endsWith("private_key_provider.provider_name"), unknown.getMessage());
    }
}
