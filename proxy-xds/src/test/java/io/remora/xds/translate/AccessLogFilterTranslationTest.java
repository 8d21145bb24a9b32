package io.remora.xds.translate;

import io.remora.config.AccessLogConfig;
import io.remora.config.AccessLogFilter;
import io.remora.config.AccessLogType;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.runtime.FractionalPercent;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.bootstrap.LoadedBootstrap;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** access_log filters as Envoy reads them, and refused ones naming the field. */
class AccessLogFilterTranslationTest {

    static final String LOG = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.access_log[0]";

    static String bootstrap(String filter) {
        return HcmListenerYaml.listener("""
                access_log:
                - name: envoy.access_loggers.stdout
                  typed_config: { "@type": type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog }
                  filter:
                """ + filter.indent(4), "route: { cluster: c1 }") + HcmListenerYaml.CLUSTER_C1;
    }

    static LoadedBootstrap load(String filter) {
        return new BootstrapLoader().loadString(bootstrap(filter), "test.yaml");
    }

    static AccessLogFilter filter(String yaml) {
        var hcm = (HttpConnectionManagerConfig) load(yaml).model().listeners().get(0).filterChains().get(0)
                .terminalFilter();
        AccessLogConfig log = hcm.accessLogs().get(0);
        return log.filter();
    }

    static TranslationException refused(String yaml) {
        return assertThrows(TranslationException.class, () -> load(yaml));
    }

    @Test
    void everyEvaluatedKind() {
        assertEquals(new AccessLogFilter.StatusCode(new AccessLogFilter.Comparison(AccessLogFilter.Comparison.Op.GE,
                400, "access_log.min_status")), filter("""
                status_code_filter: { comparison: { op: GE, value: { default_value: 400, runtime_key: access_log.min_status } } }
                """));
        assertEquals(new AccessLogFilter.And(List.of(new AccessLogFilter.NotHealthCheck(),
                new AccessLogFilter.Or(List.of(new AccessLogFilter.ResponseFlags(Set.of("UH", "NR")),
                        new AccessLogFilter.GrpcStatus(Set.of(14L, 4L), true))))), filter("""
                and_filter:
                  filters:
                  - not_health_check_filter: {}
                  - or_filter:
                      filters:
                      - response_flag_filter: { flags: [UH, NR] }
                      - grpc_status_filter: { statuses: [UNAVAILABLE, DEADLINE_EXCEEDED], exclude: true }
                """));
        assertEquals(new AccessLogFilter.RuntimeSampled("log.sample",
                new FractionalPercent(5, FractionalPercent.Denominator.TEN_THOUSAND), true), filter("""
                runtime_filter: { runtime_key: log.sample, percent_sampled: { numerator: 5, denominator: TEN_THOUSAND }, use_independent_randomness: true }
                """));
        assertTrue(filter("header_filter: { header: { name: x-debug, present_match: true } }")
                instanceof AccessLogFilter.Header);
        assertEquals(new AccessLogFilter.LogType(Set.of(AccessLogType.DOWNSTREAM_START, AccessLogType.DOWNSTREAM_PERIODIC),
                true), filter("log_type_filter: { types: [DownstreamStart, DownstreamPeriodic], exclude: true }"));
        AccessLogFilter.Metadata m = (AccessLogFilter.Metadata) filter("""
                metadata_filter:
                  matcher: { filter: envoy.filters.http.rbac, path: [{ key: shadow_effective_policy_id }], value: { string_match: { prefix: deny } } }
                  match_if_key_not_found: false
                """);
        assertEquals("envoy.filters.http.rbac", m.matcher().filter());
        assertEquals(List.of("shadow_effective_policy_id"), m.matcher().path());
        assertEquals(false, m.matchIfKeyNotFound());
        assertEquals(new AccessLogFilter.Metadata(null, true), filter("metadata_filter: {}"));
        LoadedBootstrap traceable = load("traceable_filter: {}");
        assertEquals(new AccessLogFilter.Traceable(), filter("traceable_filter: {}"));
        assertTrue(traceable.warnings().isEmpty(), traceable.warnings().toString());
    }

    /**
     * Envoy fails a config whose extension filter has no factory (getAndCheckFactory); letting it
     * pass would log every stream the filter (Envoy main's local or process rate limit) would drop.
     */
    @Test
    void anExtensionFilterOtherThanCelIsRefusedAtItsTypedConfig() {
        TranslationException e = refused("""
                extension_filter:
                  name: envoy.access_loggers.extension_filters.local_ratelimit
                  typed_config: { "@type": type.googleapis.com/google.protobuf.Struct }
                """);
        assertEquals(LOG + ".filter.extension_filter.typed_config", e.path());
        assertTrue(e.getMessage().contains("google.protobuf.Struct"), e.getMessage());
        assertEquals(LOG + ".filter.and_filter.filters[1].extension_filter.typed_config", refused("""
                and_filter:
                  filters:
                  - not_health_check_filter: {}
                  - extension_filter: { name: envoy.access_loggers.extension_filters.process_ratelimit }
                """).path());
    }

    static String celFilter(String expression) {
        return """
                extension_filter:
                  name: envoy.access_loggers.extension_filters.cel
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.filters.cel.v3.ExpressionFilter
                    expression: "%s"
                """.formatted(expression);
    }

    @Test
    void celExpressionFilterIsCompiledAndABadOneRefused() {
        AccessLogFilter f = filter(celFilter("response.code >= 400"));
        assertTrue(f instanceof AccessLogFilter.Extension, f.toString());
        // The same expression again is the same config: an unchanged listener is not rebuilt.
        assertEquals(f, filter(celFilter("response.code >= 400")));
        assertEquals(LOG + ".filter.extension_filter.typed_config.expression",
                refused(celFilter("response.code >=")).path());
    }

    @Test
    void badCelFormatIsRefusedNamingTheLogger() {
        String yaml = HcmListenerYaml.listener("""
                access_log:
                - name: envoy.access_loggers.stdout
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog
                    log_format: { text_format: "%CEL(request.path ==)%" }
                """, "route: { cluster: c1 }") + HcmListenerYaml.CLUSTER_C1;
        TranslationException e = assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(yaml, "test.yaml"));
        assertEquals(LOG + ".typed_config", e.path());
        assertTrue(e.getMessage().contains("CEL"), e.getMessage());
    }

    @Test
    void refusedNamingTheField() {
        assertEquals(LOG + ".filter.response_flag_filter.flags[1]",
                refused("response_flag_filter: { flags: [UH, XX] }").path());
        assertEquals(LOG + ".filter.and_filter.filters",
                refused("and_filter: { filters: [{ not_health_check_filter: {} }] }").path());
        assertEquals(LOG + ".filter.status_code_filter.comparison",
                refused("status_code_filter: {}").path());
        assertEquals(LOG + ".filter.runtime_filter.runtime_key",
                refused("runtime_filter: { percent_sampled: { numerator: 5 } }").path());
        assertEquals(LOG + ".filter", refused("{}").path());
    }
}
