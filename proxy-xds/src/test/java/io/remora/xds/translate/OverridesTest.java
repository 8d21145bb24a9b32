package io.remora.xds.translate;

import io.remora.config.ForwardAction;
import io.remora.config.DirectResponseAction;
import io.remora.config.HeaderMatcher;
import io.remora.config.HeaderMutation;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.ListenerConfig;
import io.remora.config.RouteMatch;
import io.remora.config.StringMatcher;
import io.remora.config.TcpProxyConfig;
import io.remora.xds.bootstrap.BootstrapLoader;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Explicit values win over Envoy's defaults, including the ones that disable a timeout. */
class OverridesTest {

    private static final String YAML = """
            static_resources:
              clusters: [{ name: c }]
              listeners:
              - name: inbound
                address: { socket_address: { address: 0.0.0.0, port_value: 15006 } }
                transparent: true
                bind_to_port: false
                use_original_dst: true
                traffic_direction: INBOUND
                listener_filters_timeout: 0s
                continue_on_listener_filters_timeout: true
                bypass_overload_manager: true
                ignore_global_conn_limit: true
                listener_filters:
                - name: envoy.filters.listener.original_dst
                  typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst }
                - name: envoy.filters.listener.http_inspector
                  typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector }
                filter_chains:
                - filter_chain_match: { destination_port: 9000, prefix_ranges: [{ address_prefix: 10.0.0.0, prefix_len: 8 }] }
                  filters:
                  - name: envoy.filters.network.tcp_proxy
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                      stat_prefix: t
                      cluster: c
                      idle_timeout: 0s
                - filter_chain_match: { application_protocols: [h2c, http/1.1] }
                  filters:
                  - name: envoy.filters.network.http_connection_manager
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                      stat_prefix: h
                      codec_type: HTTP2
                      stream_idle_timeout: 0s
                      request_timeout: 30s
                      drain_timeout: 1s
                      delayed_close_timeout: 0s
                      max_request_headers_kb: 96
                      common_http_protocol_options: { idle_timeout: 0s, max_headers_count: 50 }
                      generate_request_id: false
                      preserve_external_request_id: true
                      skip_xff_append: true
                      server_name: istio-envoy
                      server_header_transformation: PASS_THROUGH
                      normalize_path: true
                      merge_slashes: true
                      http2_protocol_options: { max_concurrent_streams: 7, allow_connect: true }
                      http_protocol_options: { accept_http_10: true, default_host_for_http_10: legacy.local }
                      http_filters:
                      - name: envoy.filters.http.router
                        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                      route_config:
                        max_direct_response_body_size_bytes: 8
                        ignore_port_in_host_matching: true
                        most_specific_header_mutations_wins: true
                        virtual_hosts:
                        - name: v
                          domains: ['*']
                          require_tls: ALL
                          routes:
                          - match:
                              prefix: /A
                              case_sensitive: false
                              headers:
                              - { name: x-n, range_match: { start: 1, end: 10 }, invert_match: true }
                              - { name: x-s, string_match: { suffix: z, ignore_case: true }, treat_missing_header_as_empty: true }
                              runtime_fraction: { default_value: { numerator: 25, denominator: TEN_THOUSAND } }
                            direct_response: { status: 503, body: { inline_bytes: "YnVzeQ==" } }
                            response_headers_to_add:
                            - header: { key: X-A, value: "%DOWNSTREAM_REMOTE_ADDRESS%" }
                              append_action: ADD_IF_ABSENT
                              keep_empty_value: true
                            request_headers_to_remove: [X-Drop]
                          - match:
                              prefix: /
                              dynamic_metadata:
                              - { filter: acme, path: [{ key: tier }], value: { string_match: { exact: gold } }, invert: true }
                            route:
                              cluster: c
                              cluster_not_found_response_code: NOT_FOUND
                              idle_timeout: 10s
                              host_rewrite_path_regex: { pattern: { regex: "^/([^/]+)/.*$" }, substitution: "\\\\1" }
                              append_x_forwarded_host: true
                              retry_policy: { per_try_timeout: 2s, retry_on: "cancelled,unavailable" }
            """;

    @Test
    void explicitValues() {
        var lb = new BootstrapLoader().loadString(YAML, "o.yaml");
        ListenerConfig l = lb.model().listeners().get(0);
        assertTrue(l.transparent());
        assertFalse(l.bindToPort());
        assertTrue(l.useOriginalDst());
        assertEquals(ListenerConfig.TrafficDirection.INBOUND, l.direction());
        assertEquals(Duration.ZERO, l.listenerFiltersTimeout());
        assertTrue(l.continueOnListenerFiltersTimeout());
        assertTrue(l.bypassOverloadManager());
        assertTrue(l.ignoreGlobalConnLimit());
        assertEquals(List.of(ListenerConfig.ListenerFilter.ORIGINAL_DST, ListenerConfig.ListenerFilter.HTTP_INSPECTOR),
                l.listenerFilters());
        assertEquals(9000, l.filterChains().get(0).match().destinationPort());
        assertEquals(8, l.filterChains().get(0).match().prefixRanges().get(0).prefixLen());
        assertEquals(Duration.ZERO, assertInstanceOf(TcpProxyConfig.class, l.filterChains().get(0).terminalFilter())
                .idleTimeout());
        assertEquals(List.of("h2c", "http/1.1"), l.filterChains().get(1).match().applicationProtocols());

        var h = assertInstanceOf(HttpConnectionManagerConfig.class, l.filterChains().get(1).terminalFilter());
        assertEquals(HttpConnectionManagerConfig.CodecType.HTTP2, h.codecType());
        assertTrue(h.bypassOverloadManager(), "the listener's bypass reaches its connection managers");
        assertEquals(Duration.ZERO, h.streamIdleTimeout());
        assertEquals(Duration.ofSeconds(30), h.requestTimeout());
        assertEquals(Duration.ZERO, h.idleTimeout());
        assertEquals(Duration.ofSeconds(1), h.drainTimeout());
        assertEquals(Duration.ZERO, h.delayedCloseTimeout());
        assertEquals(96, h.maxRequestHeadersKb());
        assertEquals(50, h.maxRequestHeadersCount());
        assertFalse(h.generateRequestId());
        assertTrue(h.preserveExternalRequestId());
        assertTrue(h.skipXffAppend());
        assertFalse(h.useRemoteAddress());
        assertEquals("istio-envoy", h.serverName());
        assertEquals(HttpConnectionManagerConfig.ServerHeaderTransformation.PASS_THROUGH, h.serverHeaderTransformation());
        assertTrue(h.normalizePath());
        assertTrue(h.mergeSlashes());
        assertEquals(7, h.http2Options().maxConcurrentStreams());
        assertTrue(h.http2Options().allowConnect());
        assertTrue(h.http1AcceptHttp10());
        assertEquals("legacy.local", h.http1DefaultHostForHttp10());

        assertTrue(h.routeConfig().ignorePortInHostMatching());
        assertTrue(h.routeConfig().mostSpecificHeaderMutationsWins());
        var vh = h.routeConfig().virtualHosts().get(0);
        assertEquals(io.remora.config.VirtualHost.TlsRequirement.ALL, vh.requireTls());
        var r0 = vh.routes().get(0);
        assertFalse(r0.match().caseSensitive());
        assertEquals(new RouteMatch.Prefix("/A"), r0.match().path());
        assertEquals(new io.remora.runtime.FractionalPercent(25, io.remora.runtime.FractionalPercent.Denominator.TEN_THOUSAND),
                r0.match().runtimeFraction());
        assertEquals(new HeaderMatcher("x-n", null, null, new HeaderMatcher.Range(1, 10), true, false),
                r0.match().headers().get(0));
        assertEquals(new HeaderMatcher("x-s", new StringMatcher.Suffix("z", true), null, null, false, true),
                r0.match().headers().get(1));
        assertEquals(new DirectResponseAction(503, "busy"), r0.action());
        assertEquals(new HeaderMutation.HeaderValueOption("x-a", "%DOWNSTREAM_REMOTE_ADDRESS%",
                HeaderMutation.AppendAction.ADD_IF_ABSENT, true), r0.responseHeaders().add().get(0));
        assertEquals(List.of("x-drop"), r0.requestHeaders().remove());

        var f = assertInstanceOf(io.remora.config.ForwardAction.class, vh.routes().get(1).action());
        assertEquals(Duration.ofSeconds(10), f.idleTimeout());
        assertEquals(404, f.clusterNotFoundStatus());
        assertEquals(List.of(new io.remora.config.MetadataMatch("acme", List.of("tier"),
                new io.remora.config.ValueMatch.StringValue(new StringMatcher.Exact("gold", false)), true)),
                vh.routes().get(1).match().dynamicMetadata());
        assertEquals("^/([^/]+)/.*$", f.hostRewritePathRegex().pattern().pattern());
        assertEquals("\\1", f.hostRewritePathRegex().substitution());
        assertTrue(f.appendXForwardedHost());
        assertEquals(Duration.ofSeconds(2), f.retryPolicy().perTryTimeout());
        assertEquals(1, f.retryPolicy().numRetries());
        // No upgrade_configs on the route: the connection manager's (none here) decide per stream.
        assertEquals(ForwardAction.UpgradeConfig.NONE, f.upgrades());
        assertEquals(List.of(), h.upgrades());
    }

    @Test
    void badDynamicMetadataMatcherNamesItsField() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(YAML.replace("{ filter: acme, path: [{ key: tier }]",
                        "{ filter: acme, path: []"), "o.yaml"));
        assertTrue(e.path().endsWith("virtual_hosts[0].routes[1].match.dynamic_metadata[0].path"), e.getMessage());
    }

    @Test
    void directResponseBodyOverTheLimit() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(YAML.replace("YnVzeQ==", "YnVzeSBidXN5IGJ1c3k="), "o.yaml"));
        assertTrue(e.path().endsWith("virtual_hosts[0].routes[0].direct_response.body"), e.getMessage());
    }
}
