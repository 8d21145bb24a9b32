package io.remora.xds.translate;

import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.bootstrap.LoadedBootstrap;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fields no translator used to read, now warned about by their path: a health check's alt_port (Envoy does not
 * implement it either), a cluster's update_merge_window (host updates apply at once here) and remote_jwks
 * retry_policy.host_selection_retry_max_attempts (no host predicates to re-pick for), an upstream
 * header_validation_config (not implemented in Envoy either), a data source's watched_directory and a google_grpc
 * service's stat_prefix (no per-client stream counters); a thrift route table's validate_clusters is honoured; %METADATA(LISTENER:...)% loads
 * without a warning (the listener's metadata is logged).
 */
class UnreadFieldsTranslationTest {

    private static LoadedBootstrap load(String yaml) {
        return new BootstrapLoader().loadString(yaml, "test.yaml");
    }

    private static void warned(LoadedBootstrap b, String path) {
        assertTrue(b.warnings().stream().anyMatch(w -> w.contains(path)), b.warnings().toString());
    }

    private static String cluster(String fields) {
        return """
                  clusters:
                  - name: c1
                    connect_timeout: 1s
                    load_assignment: { cluster_name: c1 }
                """ + fields.indent(4);
    }

    @Test
    void altPortIsWarnedAboutByPath() {
        warned(load(HcmListenerYaml.listener("", "route: { cluster: c1 }") + cluster("""
                health_checks: [{ timeout: 1s, interval: 1s, unhealthy_threshold: 1, healthy_threshold: 1,
                                  alt_port: 99, tcp_health_check: {} }]
                """)), "static_resources.clusters[0].health_checks[0].alt_port");
    }

    @Test
    void aNonZeroUpdateMergeWindowIsWarnedAboutAZeroOneIsNot() {
        warned(load(HcmListenerYaml.listener("", "route: { cluster: c1 }")
                + cluster("common_lb_config: { update_merge_window: 3s }")),
                "static_resources.clusters[0].common_lb_config.update_merge_window");
        LoadedBootstrap zero = load(HcmListenerYaml.listener("", "route: { cluster: c1 }")
                + cluster("common_lb_config: { update_merge_window: 0s }"));
        assertTrue(zero.warnings().stream().noneMatch(w -> w.contains("update_merge_window")), zero.warnings().toString());
    }

    @Test
    void remoteJwksHostSelectionAttemptsAreWarnedAbout() {
        String jwt = HcmListenerYaml.filter("envoy.filters.http.jwt_authn",
                "type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication", """
                providers:
                  p:
                    issuer: https://issuer
                    remote_jwks:
                      http_uri: { uri: "https://issuer/jwks", cluster: c1, timeout: 1s }
                      retry_policy: { num_retries: 2, host_selection_retry_max_attempts: 3 }
                """);
        LoadedBootstrap b = load(HcmListenerYaml.listener("", jwt,
                "- { name: v, domains: [\"*\"], routes: [{ match: { prefix: \"/\" }, route: { cluster: c1 } }] }")
                + cluster(""));
        assertTrue(b.warnings().stream().anyMatch(w -> w.contains("host_selection_retry_max_attempts")
                && w.contains("remote_jwks.retry_policy")), b.warnings().toString());
    }

    private static String thrift(String validate) {
        return HcmListenerYaml.networkListener(HcmListenerYaml.filter("envoy.filters.network.thrift_proxy",
                "type.googleapis.com/envoy.extensions.filters.network.thrift_proxy.v3.ThriftProxy",
                "stat_prefix: t\nroute_config:\n  name: r\n" + validate.indent(2) + """
                  routes:
                  - { match: { method_name: a }, route: { cluster: c1 } }
                  - { match: { method_name: b }, route: { weighted_clusters: { clusters: [{ name: c1, weight: 1 }, { name: nosuch, weight: 1 }] } } }
                """)) + HcmListenerYaml.CLUSTER_C1;
    }

    @Test
    void aThriftRouteTableChecksItsClustersUnlessToldNotTo() {
        String path = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.routes[1]"
                + ".route.weighted_clusters.clusters[1].name";
        assertEquals(path, assertThrows(TranslationException.class, () -> load(thrift(""))).path());
        assertEquals(path, assertThrows(TranslationException.class,
                () -> load(thrift("validate_clusters: true"))).path());
        load(thrift("validate_clusters: false"));
    }

    @Test
    void anUpstreamHeaderValidationConfigIsWarnedAboutByPath() {
        warned(load(HcmListenerYaml.listener("", "route: { cluster: c1 }") + cluster("""
                typed_extension_protocol_options:
                  envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                    "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                    header_validation_config: { name: hv, typed_config: { "@type": type.googleapis.com/google.protobuf.Struct } }
                    explicit_http_config: { http_protocol_options: {} }
                """)), "typed_extension_protocol_options[\"envoy.extensions.upstreams.http.v3.HttpProtocolOptions\"]"
                + ".header_validation_config");
    }

    /** What {@code r} logged to the translators' logger (warnings of helpers handed no context). */
    /** The remora.config warnings {@code r} logs. */
    static java.util.List<String> logged(Runnable r) {
        java.util.List<String> logged = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler h = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord rec) {
                logged.add(rec.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        java.util.logging.Logger.getLogger("remora.config").addHandler(h);
        try {
            r.run();
        } finally {
            java.util.logging.Logger.getLogger("remora.config").removeHandler(h);
        }
        return logged;
    }

    @Test
    void aDataSourcesWatchedDirectoryIsWarnedAboutByPath() {
        var logged = logged(() -> assertEquals("x", Protos.dataSource(io.envoyproxy.envoy.config.core.v3.DataSource
                .newBuilder().setInlineString("x").setWatchedDirectory(io.envoyproxy.envoy.config.core.v3.WatchedDirectory
                        .newBuilder().setPath("/tmp")).build(), FieldPath.of("unwatched").field("ds"))));
        assertTrue(logged.stream().anyMatch(m -> m.contains("unwatched.ds.watched_directory")), logged.toString());
    }

    @Test
    void aGoogleGrpcStatPrefixIsWarnedAboutByPath() {
        var g = io.envoyproxy.envoy.config.core.v3.GrpcService.newBuilder().setGoogleGrpc(
                io.envoyproxy.envoy.config.core.v3.GrpcService.GoogleGrpc.newBuilder().setTargetUri("127.0.0.1:1")
                        .setStatPrefix("xds")).build();
        var logged = logged(() -> GrpcServiceTranslator.checkGoogleGrpc(g, true, FieldPath.of("ads").field("gs")));
        assertTrue(logged.stream().anyMatch(m -> m.contains("ads.gs.google_grpc.stat_prefix")
                && m.contains("grpc.xds.streams_total")), logged.toString());
    }

    @Test
    void listenerMetadataInAnAccessLogFormatLoadsWithoutAWarning() {
        LoadedBootstrap b = load(HcmListenerYaml.listener("""
                access_log:
                - name: envoy.access_loggers.stdout
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog
                    log_format: { text_format_source: { inline_string: "%METADATA(LISTENER:a:b)%\\n" } }
                """, "route: { cluster: c1 }") + cluster(""));
        assertTrue(b.warnings().stream().noneMatch(w -> w.contains("%METADATA(LISTENER:")), b.warnings().toString());
    }
}
