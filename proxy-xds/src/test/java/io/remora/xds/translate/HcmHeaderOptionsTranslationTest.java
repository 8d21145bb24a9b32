package io.remora.xds.translate;

import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.HttpConnectionManagerConfig.EscapedSlashesAction;
import io.remora.config.HttpConnectionManagerConfig.StripPortMode;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.bootstrap.LoadedBootstrap;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The connection manager's header options, Envoy's defaults, refusals and the fields only warned about. */
class HcmHeaderOptionsTranslationTest {

    static final String HCM = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config";

    static LoadedBootstrap load(String fields) {
        return new BootstrapLoader().loadString(HcmListenerYaml.listener(fields, "route: { cluster: c1 }")
                + HcmListenerYaml.CLUSTER_C1, "test.yaml");
    }

    static HttpConnectionManagerConfig hcm(LoadedBootstrap b) {
        return (HttpConnectionManagerConfig) b.model().listeners().get(0).filterChains().get(0).terminalFilter();
    }

    @Test
    void defaultsAndValues() {
        HttpConnectionManagerConfig d = hcm(load(""));
        assertNull(d.via());
        assertFalse(d.alwaysSetRequestIdInResponse());
        assertNull(d.schemeToOverwrite());
        assertEquals(StripPortMode.NONE, d.stripPortMode());
        assertEquals(EscapedSlashesAction.KEEP_UNCHANGED, d.escapedSlashesAction());

        HttpConnectionManagerConfig h = hcm(load("""
                via: edge
                always_set_request_id_in_response: true
                append_x_forwarded_port: true
                append_local_overload: true
                scheme_header_transformation: { scheme_to_overwrite: http }
                strip_any_host_port: true
                strip_trailing_host_dot: true
                path_with_escaped_slashes_action: UNESCAPE_AND_FORWARD
                """));
        assertEquals("edge", h.via());
        assertTrue(h.alwaysSetRequestIdInResponse());
        assertTrue(h.appendXForwardedPort());
        assertTrue(h.appendLocalOverload());
        assertEquals("http", h.schemeToOverwrite());
        assertFalse(h.schemeMatchUpstream());
        assertFalse(h.http1SafeMaxConnectionDuration());
        assertTrue(hcm(load("http1_safe_max_connection_duration: true")).http1SafeMaxConnectionDuration());
        assertFalse(h.streamErrorOnInvalidHttpMessage());
        assertTrue(hcm(load("stream_error_on_invalid_http_message: true")).streamErrorOnInvalidHttpMessage());
        assertFalse(hcm(load("stream_error_on_invalid_http_message: true\n"
                + "http2_protocol_options: { override_stream_error_on_invalid_http_message: false }"))
                .streamErrorOnInvalidHttpMessage(), "the HTTP/2 override wins, as Envoy");
        assertTrue(hcm(load("scheme_header_transformation: { match_upstream: true }")).schemeMatchUpstream());
        assertFalse(hcm(load("scheme_header_transformation: { scheme_to_overwrite: https, match_upstream: true }"))
                .schemeMatchUpstream(), "scheme_to_overwrite wins, as Envoy");
        assertEquals(StripPortMode.ANY, h.stripPortMode());
        assertTrue(h.stripTrailingHostDot());
        assertEquals(EscapedSlashesAction.UNESCAPE_AND_FORWARD, h.escapedSlashesAction());
        assertEquals(StripPortMode.MATCHING, hcm(load("strip_matching_host_port: true")).stripPortMode());
        assertEquals(io.remora.config.InternalAddressConfig.DEFAULT, d.internalAddressConfig());
        assertTrue(!d.internalAddressConfig().configured(), "unset: no address is internal");
        assertTrue(hcm(load("internal_address_config: {}")).internalAddressConfig().configured(),
                "set without cidr_ranges: Envoy's RFC 1918 / RFC 4193 set");
        assertEquals(new io.remora.config.InternalAddressConfig(true, java.util.List.of(
                new io.remora.config.CidrRange("10.0.0.0", 8), new io.remora.config.CidrRange("fd00::", 8))),
                hcm(load("internal_address_config: { unix_sockets: true, cidr_ranges: [{ address_prefix: 10.0.0.0,"
                        + " prefix_len: 8 }, { address_prefix: \"fd00::\", prefix_len: 8 }] }")).internalAddressConfig());
    }

    @Test
    void withoutHttpFiltersTheRouterAloneRuns() {
        String withRouter = HcmListenerYaml.listener("", "route: { cluster: c1 }") + HcmListenerYaml.CLUSTER_C1;
        String routerEntry = "(?m)^( *)http_filters:\n\\1- name: envoy.filters.http.router\n\\1  typed_config: [^\n]*\n";
        for (String replacement : new String[] {"", "$1http_filters: []\n"}) {
            String yaml = withRouter.replaceFirst(routerEntry, replacement);
            assertFalse(yaml.contains("envoy.filters.http.router"), yaml);
            var filters = hcm(new BootstrapLoader().loadString(yaml, "test.yaml")).httpFilters();
            assertEquals(1, filters.size(), yaml);
            assertEquals("envoy.filters.http.router", filters.get(0).name());
        }
    }

    @Test
    void refusedAndWarned() {
        String scheme = assertThrows(TranslationException.class,
                () -> load("scheme_header_transformation: { scheme_to_overwrite: ftp }")).getMessage();
        assertTrue(scheme.contains(HCM + ".scheme_header_transformation.scheme_to_overwrite"), scheme);
        String via = assertThrows(TranslationException.class, () -> load("via: \"a\\nb\"")).getMessage();
        assertTrue(via.contains(HCM + ".via"), via);
        String server = assertThrows(TranslationException.class,
                () -> load("server_name: \"a\\r\\nx-injected: 1\"")).getMessage();
        assertTrue(server.contains(HCM + ".server_name"), server);
        String cidr = assertThrows(TranslationException.class, () -> load(
                "internal_address_config: { cidr_ranges: [{ address_prefix: 10.0.0.0 }, { address_prefix: corp }] }"))
                .getMessage();
        assertTrue(cidr.contains(HCM + ".internal_address_config.cidr_ranges[1].address_prefix"), cidr);
        // Envoy without the universal header validator (its release builds) refuses the field.
        String uhv = assertThrows(TranslationException.class, () -> load("""
                typed_header_validation_config:
                  name: envoy.http.header_validators.envoy_default
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.http.header_validators.envoy_default.v3.HeaderValidatorConfig
                """)).getMessage();
        assertTrue(uhv.contains(HCM + ".typed_header_validation_config"), uhv);

        LoadedBootstrap b = load("""
                proxy_100_continue: true
                add_user_agent: true
                stream_error_on_invalid_http_message: false
                request_id_extension:
                  typed_config: { "@type": type.googleapis.com/envoy.extensions.request_id.uuid.v3.UuidRequestIdConfig }
                """);
        assertFalse(b.warnings().stream().anyMatch(w -> w.contains(HCM + ".proxy_100_continue")
                || w.contains(HCM + ".add_user_agent")), b.warnings().toString());
        assertTrue(hcm(b).addUserAgent());
        assertTrue(hcm(b).proxy100Continue());
        assertFalse(hcm(load("add_user_agent: true")).proxy100Continue());
        assertFalse(b.warnings().stream().anyMatch(w -> w.contains("stream_error_on_invalid_http_message")
                || w.contains("request_id_extension")), "Envoy's defaults, stated: " + b.warnings());
    }
}
