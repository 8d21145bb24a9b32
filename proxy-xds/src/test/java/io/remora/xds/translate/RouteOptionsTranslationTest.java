package io.remora.xds.translate;

import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.remora.config.ForwardAction;
import io.remora.config.RetryPolicy;
import io.remora.xds.bootstrap.ConfigDocuments;
import io.remora.xds.bootstrap.ProtoJson;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Route options translated (or refused by name) beside retry_policy: see docs/router.md. */
class RouteOptionsTranslationTest {

    private static final String ROUTE = "route_config.virtual_hosts[0].routes[0].route";

    /** A route configuration whose one route has these RouteAction fields (YAML, indented 6). */
    private static io.remora.config.RouteConfiguration translate(String routeFields, String vhostFields) {
        String yaml = "name: r\nvirtual_hosts:\n- name: v\n  domains: ['*']\n" + vhostFields + "  routes:\n"
                + "  - match: { prefix: / }\n    route:\n      cluster: c\n" + routeFields;
        RouteConfiguration rc = ProtoJson.merge(ConfigDocuments.parseYaml(yaml, "r.yaml"),
                RouteConfiguration.newBuilder(), FieldPath.ROOT, TranslationContext.lenient()).build();
        return RouteConfigurationTranslator.translate(rc, FieldPath.of("route_config"), TranslationContext.lenient());
    }

    private static RetryPolicy routeRetry(String routeFields) {
        return ((ForwardAction) translate(routeFields, "").virtualHosts().get(0).routes().get(0).action())
                .retryPolicy();
    }

    private static String refusedPath(String routeFields, String vhostFields) {
        return assertThrows(TranslationException.class, () -> translate(routeFields, vhostFields)).path();
    }

    @Test
    void rateLimitedBackOffKeepsItsHeadersInOrderAndDefaultsMaxIntervalTo300s() {
        RetryPolicy p = routeRetry("""
                      retry_policy:
                        retry_on: retriable-status-codes
                        retriable_status_codes: [429]
                        rate_limited_retry_back_off:
                          reset_headers:
                          - name: Retry-After
                          - { name: X-RateLimit-Reset, format: UNIX_TIMESTAMP }
                """);
        assertEquals(List.of(new RetryPolicy.ResetHeader("Retry-After", false),
                new RetryPolicy.ResetHeader("X-RateLimit-Reset", true)), p.resetHeaders());
        assertEquals(Duration.ofSeconds(300), p.resetMaxInterval());
    }

    @Test
    void rateLimitedBackOffWithoutHeadersOrWithAZeroMaxIsRefused() {
        assertEquals(ROUTE + ".retry_policy.rate_limited_retry_back_off.reset_headers", refusedPath("""
                      retry_policy:
                        retry_on: 5xx
                        rate_limited_retry_back_off: { max_interval: 1s }
                """, ""));
        assertEquals(ROUTE + ".retry_policy.rate_limited_retry_back_off.max_interval", refusedPath("""
                      retry_policy:
                        retry_on: 5xx
                        rate_limited_retry_back_off: { reset_headers: [ { name: Retry-After } ], max_interval: 0s }
                """, ""));
        assertEquals(ROUTE + ".retry_policy.rate_limited_retry_back_off.reset_headers[0].name", refusedPath("""
                      retry_policy:
                        retry_on: 5xx
                        rate_limited_retry_back_off: { reset_headers: [ { format: SECONDS } ] }
                """, ""));
    }

    /**
     * Envoy's RetryPolicyImpl: back-off intervals are read in whole milliseconds, a sub-millisecond
     * one rounded up to 1 ms (not refused), then compared; retriable_status_codes are taken as they
     * are, whatever the number.
     */
    @Test
    void subMillisecondBackOffIntervalsRoundUpAndAnyStatusCodeIsKept() {
        RetryPolicy p = routeRetry("""
                      retry_policy:
                        retry_on: retriable-status-codes
                        retriable_status_codes: [0, 999, 503]
                        retry_back_off: { base_interval: 0.0005s, max_interval: 0.0008s }
                """);
        assertEquals(Duration.ofMillis(1), p.baseInterval());
        assertEquals(Duration.ofMillis(1), p.maxInterval());
        assertTrue(p.retriableStatusCodes().containsAll(List.of(0, 999, 503)), p.retriableStatusCodes().toString());
        // 1.9 ms and 1.5 ms are both 1 ms to Envoy: not a max below the base.
        assertEquals(Duration.ofMillis(1), routeRetry("""
                      retry_policy:
                        retry_on: 5xx
                        retry_back_off: { base_interval: 0.0019s, max_interval: 0.0015s }
                """).maxInterval());
        assertEquals(ROUTE + ".retry_policy.retry_back_off.max_interval", refusedPath("""
                      retry_policy:
                        retry_on: 5xx
                        retry_back_off: { base_interval: 0.003s, max_interval: 0.002s }
                """, ""));
        assertEquals(ROUTE + ".retry_policy.retry_back_off.base_interval", refusedPath("""
                      retry_policy:
                        retry_on: 5xx
                        retry_back_off: { base_interval: 0s }
                """, ""));
    }

    @Test
    void retryOptionsPredicatesAreRefusedByName() {
        var e = assertThrows(TranslationException.class, () -> translate("""
                      retry_policy:
                        retry_on: 5xx
                        retry_options_predicates:
                        - name: my.predicate
                          typed_config: { "@type": type.googleapis.com/google.protobuf.Empty }
                """, ""));
        assertEquals(ROUTE + ".retry_policy.retry_options_predicates[0]", e.path());
        assertTrue(e.getMessage().contains("my.predicate"), e.getMessage());
    }

    @Test
    void retryPolicyTypedConfigHoldingARetryPolicyIsTranslatedAsOne() {
        RetryPolicy p = routeRetry("""
                      retry_policy_typed_config:
                        "@type": type.googleapis.com/envoy.config.route.v3.RetryPolicy
                        retry_on: gateway-error
                        num_retries: 4
                """);
        assertNotNull(p);
        assertEquals(java.util.Set.of(RetryPolicy.RetryOn.GATEWAY_ERROR), p.retryOn());
        assertEquals(4, p.numRetries());
        RetryPolicy vh = translate("", """
                  retry_policy_typed_config:
                    "@type": type.googleapis.com/envoy.config.route.v3.RetryPolicy
                    retry_on: reset
                """).virtualHosts().get(0).retryPolicy();
        assertEquals(java.util.Set.of(RetryPolicy.RetryOn.RESET), vh.retryOn());
    }

    @Test
    void retryPolicyTypedConfigOfAnotherTypeOrBesideRetryPolicyIsRefused() {
        assertEquals(ROUTE + ".retry_policy_typed_config", refusedPath("""
                      retry_policy_typed_config: { "@type": type.googleapis.com/google.protobuf.Empty }
                """, ""));
        assertEquals(ROUTE + ".retry_policy_typed_config", refusedPath("""
                      retry_policy: { retry_on: 5xx }
                      retry_policy_typed_config:
                        "@type": type.googleapis.com/envoy.config.route.v3.RetryPolicy
                        retry_on: reset
                """, ""));
        // An unknown condition is dropped (with a warning), as Envoy drops it: the policy retries nothing.
        assertEquals(java.util.Set.of(), translate("", """
                  retry_policy_typed_config:
                    "@type": type.googleapis.com/envoy.config.route.v3.RetryPolicy
                    retry_on: sometimes
                """).virtualHosts().get(0).retryPolicy().retryOn());
    }

    @Test
    void earlyDataPolicyDefaultIsAcceptedAndOthersAreRefusedByName() {
        translate("""
                      early_data_policy:
                        name: envoy.route.early_data_policy.default
                        typed_config: { "@type": type.googleapis.com/envoy.extensions.early_data.v3.DefaultEarlyDataPolicy }
                """, "");
        var e = assertThrows(TranslationException.class, () -> translate("""
                      early_data_policy:
                        name: my.early_data
                        typed_config: { "@type": type.googleapis.com/google.protobuf.Empty }
                """, ""));
        assertEquals(ROUTE + ".early_data_policy", e.path());
        assertTrue(e.getMessage().contains("my.early_data"), e.getMessage());
    }

    @Test
    void grpcTimeoutOffsetsAreKeptWithWhereTheyApply() {
        var header = (ForwardAction) translate("""
                      max_stream_duration: { grpc_timeout_header_max: 0s, grpc_timeout_header_offset: 0.25s }
                """, "").virtualHosts().get(0).routes().get(0).action();
        assertEquals(new ForwardAction.StreamDuration(null, java.time.Duration.ZERO, java.time.Duration.ofMillis(250)),
                header.maxStreamDuration());
        assertNull(header.grpcTimeoutOffset(), "max_stream_duration's offset is the connection manager's");
        var legacy = (ForwardAction) translate("""
                      max_grpc_timeout: 10s
                      grpc_timeout_offset: 1s
                """, "").virtualHosts().get(0).routes().get(0).action();
        assertEquals(java.time.Duration.ofSeconds(1), legacy.grpcTimeoutOffset());
        assertNull(legacy.maxStreamDuration());
        assertEquals(ROUTE + ".max_stream_duration.grpc_timeout_header_offset", refusedPath("""
                      max_stream_duration: { grpc_timeout_header_max: 0s, grpc_timeout_header_offset: -1s }
                """, ""));
    }

    @Test
    void unbuiltTracingSwitchesAndPathNormalizationOptionsAreWarnedAbout() {
        String hcm = HcmHeaderOptionsTranslationTest.HCM;
        var quiet = HcmHeaderOptionsTranslationTest.load("""
                tracing: { verbose: false, spawn_upstream_span: false }
                """);
        assertTrue(quiet.warnings().stream().noneMatch(w -> w.contains("tracing.")), quiet.warnings().toString());
        assertFalse(HcmHeaderOptionsTranslationTest.hcm(quiet).tracing().spawnUpstreamSpan());
        var b = HcmHeaderOptionsTranslationTest.load("""
                tracing: { verbose: true, spawn_upstream_span: true }
                path_normalization_options:
                  forwarding_transformation: { operations: [ { normalize_path_rfc_3986: {} } ] }
                """);
        for (String field : List.of("tracing.verbose", "path_normalization_options")) {
            assertTrue(b.warnings().stream().anyMatch(w -> w.contains(hcm + "." + field)),
                    field + " in " + b.warnings());
        }
        // Built: a span per try upstream.
        assertTrue(b.warnings().stream().noneMatch(w -> w.contains("spawn_upstream_span")), b.warnings().toString());
        assertTrue(HcmHeaderOptionsTranslationTest.hcm(b).tracing().spawnUpstreamSpan());
    }
}
