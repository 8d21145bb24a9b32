package io.remora.xds.translate;

import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.bootstrap.LoadedBootstrap;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fields no translator used to read, now warned about by their path: a health check's alt_port (Envoy does not
 * implement it either), a cluster's update_merge_window (host updates apply at once here) and remote_jwks
 * retry_policy.host_selection_retry_max_attempts (no host predicates to re-pick for).
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
}
