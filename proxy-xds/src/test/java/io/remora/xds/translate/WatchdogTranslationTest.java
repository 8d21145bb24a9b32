package io.remora.xds.translate;

import io.remora.config.WatchdogConfig;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.bootstrap.LoadedBootstrap;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bootstrap's watchdogs as Envoy reads them (defaults, the deprecated single watchdog, kill
 * jitter, abort_action), and the other bootstrap fields without a runtime: refused, validated
 * or warned naming the field.
 */
class WatchdogTranslationTest {

    private static LoadedBootstrap load(String yaml) {
        return new BootstrapLoader().loadString(yaml + "\nstatic_resources: {}\n", "test.yaml");
    }

    private static WatchdogTranslator.Watchdogs watchdogs(String yaml) {
        return WatchdogTranslator.translate(load(yaml).proto(), TranslationContext.lenient());
    }

    private static void assertWarned(LoadedBootstrap lb, String field) {
        assertTrue(lb.warnings().stream().anyMatch(w -> w.contains(field)), field + " not in " + lb.warnings());
    }

    @Test
    void unsetIsEnvoysDefaultsForBothGuardDogs() {
        var w = watchdogs("");
        assertEquals(WatchdogConfig.DEFAULTS, w.mainThread());
        assertEquals(WatchdogConfig.DEFAULTS, w.workers());
        assertEquals(Duration.ofMillis(200), w.workers().missTimeout());
        assertEquals(Duration.ofSeconds(1), w.workers().megamissTimeout());
        assertEquals(Duration.ZERO, w.workers().killTimeout());
        assertEquals(Duration.ofMillis(200), w.workers().loopInterval());
    }

    @Test
    void mainThreadAndWorkerWatchdogsAreSeparate() {
        var w = watchdogs("""
                watchdogs:
                  main_thread_watchdog: { miss_timeout: 2s }
                  worker_watchdog:
                    miss_timeout: 0.5s
                    megamiss_timeout: 3s
                    kill_timeout: 10s
                    multikill_timeout: 0.1s
                    multikill_threshold: { value: 50 }
                    actions:
                    - event: MISS
                      config: { name: abort, typed_config: { "@type": type.googleapis.com/envoy.watchdog.v3.AbortActionConfig } }
                """);
        assertEquals(Duration.ofSeconds(2), w.mainThread().missTimeout());
        assertEquals(Set.of(), w.mainThread().abortOn());
        WatchdogConfig worker = w.workers();
        assertEquals(Duration.ofMillis(500), worker.missTimeout());
        assertEquals(Duration.ofSeconds(3), worker.megamissTimeout());
        assertEquals(Duration.ofSeconds(10), worker.killTimeout());
        assertEquals(50, worker.multikillThreshold());
        assertEquals(Set.of(WatchdogConfig.Event.MISS), worker.abortOn());
        assertEquals(Duration.ofMillis(100), worker.loopInterval(), "the shortest timeout in force");
    }

    @Test
    void theDeprecatedWatchdogServesBothAndJittersTheKill() {
        var w = watchdogs("watchdog: { kill_timeout: 5s, max_kill_timeout_jitter: 0.5s }");
        assertEquals(w.mainThread(), w.workers());
        long kill = w.workers().killTimeout().toMillis();
        assertTrue(kill > 5000 && kill <= 5500, "kill timeout " + kill);
        assertEquals(Duration.ZERO, watchdogs("watchdog: { max_kill_timeout_jitter: 0.5s }").workers().killTimeout(),
                "no jitter without a kill timeout");
    }

    @Test
    void badWatchdogsAreRefusedWithTheirPath() {
        var both = assertThrows(TranslationException.class, () -> load("watchdog: {}\nwatchdogs: {}"));
        assertEquals("watchdog: Only one of watchdog or watchdogs should be set!", both.getMessage());
        var percent = assertThrows(TranslationException.class,
                () -> load("watchdogs: { worker_watchdog: { multikill_threshold: { value: 101 } } }"));
        assertTrue(percent.getMessage().startsWith("watchdogs.worker_watchdog.multikill_threshold.value: "),
                percent.getMessage());
        var negative = assertThrows(TranslationException.class,
                () -> load("watchdogs: { main_thread_watchdog: { miss_timeout: -1s } }"));
        assertTrue(negative.getMessage().startsWith("watchdogs.main_thread_watchdog.miss_timeout: "), negative.getMessage());
    }

    @Test
    void otherActionsAreWarnedByName() {
        var lb = load("""
                watchdogs:
                  worker_watchdog:
                    actions:
                    - event: MEGAMISS
                      config:
                        name: profile
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.watchdog.profile_action.v3.ProfileActionConfig
                          profile_path: /tmp
                """);
        assertWarned(lb, "ProfileActionConfig");
        assertEquals(Set.of(), WatchdogTranslator.translate(lb.proto(), TranslationContext.lenient()).workers().abortOn());
    }

    @Test
    void headerPrefixIsRefusedUnlessItIsEnvoysOwn() {
        var e = assertThrows(TranslationException.class, () -> load("header_prefix: x-custom"));
        assertTrue(e.getMessage().startsWith("header_prefix: "), e.getMessage());
        assertTrue(load("header_prefix: x-envoy").warnings().isEmpty());
    }

    @Test
    void inlineHeadersAreValidatedAsEnvoyDoes() {
        var lb = load("inline_headers: [ { inline_header_name: x-trace, inline_header_type: RESPONSE_HEADER } ]");
        assertTrue(lb.warnings().isEmpty(), lb.warnings().toString());
        var cookie = assertThrows(TranslationException.class,
                () -> load("inline_headers: [ { inline_header_name: x-a }, { inline_header_name: set-cookie } ]"));
        assertEquals("inline_headers[1].inline_header_name: Header set-cookie cannot be registered as an inline header.",
                cookie.getMessage());
        var empty = assertThrows(TranslationException.class, () -> load("inline_headers: [ { inline_header_type: REQUEST_TRAILER } ]"));
        assertTrue(empty.getMessage().startsWith("inline_headers[0].inline_header_name: "), empty.getMessage());
    }

    @Test
    void fieldsWithoutARuntimeAreWarnedByName() {
        var lb = load("""
                admin: { address: { socket_address: { address: 127.0.0.1, port_value: 0 } }, profile_path: /tmp/p }
                enable_dispatcher_stats: true
                hds_config: { api_type: GRPC }
                default_config_source: { ads: {} }
                config_sources: [ { ads: {} } ]
                node_context_params: [ id ]
                listener_manager:
                  name: validation
                  typed_config: { "@type": type.googleapis.com/envoy.config.listener.v3.ValidationListenerManager }
                xds_config_tracker_extension: { name: t, typed_config: { "@type": type.googleapis.com/google.protobuf.Struct } }
                grpc_async_client_manager_config: { max_cached_entry_idle_duration: 10s }
                memory_allocator_manager: { bytes_to_release: 1 }
                deferred_stat_options: { enable_deferred_creation_stats: true }
                perf_tracing_file_path: /tmp/trace
                cluster_manager: { enable_deferred_cluster_creation: true, outlier_detection: { event_service: {} } }
                default_socket_interface: envoy.extensions.network.socket_interface.io_uring
                """);
        // Built (the event loops' dispatcher stats): no longer warned.
        assertTrue(lb.warnings().stream().noneMatch(w -> w.contains("enable_dispatcher_stats")), lb.warnings()::toString);
        for (String field : List.of("hds_config", "default_config_source", "config_sources",
                "node_context_params", "listener_manager", "xds_config_tracker_extension",
                "grpc_async_client_manager_config", "memory_allocator_manager", "deferred_stat_options",
                "perf_tracing_file_path", "admin.profile_path", "enable_deferred_cluster_creation",
                "outlier_detection.event_service", "default_socket_interface")) {
            assertWarned(lb, field);
        }
        var defaults = load("""
                listener_manager:
                  name: envoy.listener_manager_impl.default
                  typed_config: { "@type": type.googleapis.com/envoy.config.listener.v3.ListenerManager }
                default_socket_interface: envoy.extensions.network.socket_interface.default_socket_interface
                """);
        assertTrue(defaults.warnings().isEmpty(), defaults.warnings().toString());
    }

    @Test
    void eventServicesAndOutlierMonitorsAreWarnedAndEveryEventLogIsKept() {
        var lb = new BootstrapLoader().loadString("""
                static_resources:
                  clusters:
                  - name: c
                    outlier_detection:
                      monitors: [ { name: m, typed_config: { "@type": type.googleapis.com/google.protobuf.Struct } } ]
                    health_checks:
                    - timeout: 1s
                      interval: 1s
                      unhealthy_threshold: 1
                      healthy_threshold: 1
                      tcp_health_check: {}
                      event_service: {}
                      event_log_path: /tmp/hc-path.log
                      event_logger:
                      - name: envoy.health_check.event_sink.file
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.health_check.event_sinks.file.v3.HealthCheckEventFileSink
                          event_log_path: /tmp/hc-sink.log
                    load_assignment: { cluster_name: c }
                """, "test.yaml");
        assertWarned(lb, "outlier_detection.monitors");
        assertWarned(lb, "event_service");
        assertEquals(List.of("/tmp/hc-path.log", "/tmp/hc-sink.log"),
                lb.model().clusters().get("c").healthChecks().get(0).eventLogPaths(), "every event to both, as Envoy");
    }
}
