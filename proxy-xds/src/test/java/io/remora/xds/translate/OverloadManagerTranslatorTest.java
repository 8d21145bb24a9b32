package io.remora.xds.translate;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.remora.config.OverloadManagerConfig;
import io.remora.xds.bootstrap.BootstrapLoader;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bootstrap's overload_manager and runtime connection limits, as Envoy reads them. */
class OverloadManagerTranslatorTest {

    private static final String OM = """
            overload_manager:
              refresh_interval: 0.25s
              resource_monitors:
              - name: envoy.resource_monitors.fixed_heap
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig
                  max_heap_size_bytes: 134217728
              - name: envoy.resource_monitors.global_downstream_max_connections
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig
                  max_active_downstream_connections: 500
              actions:
              - name: envoy.overload_actions.stop_accepting_requests
                triggers:
                - name: envoy.resource_monitors.fixed_heap
                  threshold: { value: 0.95 }
              - name: envoy.overload_actions.reduce_timeouts
                triggers:
                - name: envoy.resource_monitors.fixed_heap
                  scaled: { scaling_threshold: 0.85, saturation_threshold: 0.95 }
                typed_config:
                  "@type": type.googleapis.com/envoy.config.overload.v3.ScaleTimersOverloadActionConfig
                  timer_scale_factors:
                  - timer: HTTP_DOWNSTREAM_CONNECTION_IDLE
                    min_timeout: 2s
                  - timer: HTTP_DOWNSTREAM_STREAM_IDLE
                    min_scale: { value: 10 }
            """;

    private static Bootstrap load(String yaml) {
        return new BootstrapLoader().loadString(yaml, "test.yaml").proto();
    }

    @Test
    void translatesMonitorsActionsAndTimerScales() {
        OverloadManagerConfig c = OverloadManagerTranslator.translate(load(OM), TranslationContext.lenient());
        assertEquals(Duration.ofMillis(250), c.refreshInterval());
        assertEquals(new OverloadManagerConfig.FixedHeap(134217728), c.resourceMonitors().get(0));
        assertEquals(new OverloadManagerConfig.DownstreamConnections(500), c.resourceMonitors().get(1));
        var stop = c.actions().get(0);
        assertEquals(OverloadManagerConfig.STOP_ACCEPTING_REQUESTS, stop.name());
        assertEquals(0, stop.triggers().get(0).strength(0.94));
        assertEquals(1, stop.triggers().get(0).strength(0.95));
        var reduce = c.actions().get(1);
        assertEquals(0.5, reduce.triggers().get(0).strength(0.90), 1e-9);
        var idle = reduce.timerScales().get(0);
        assertEquals(OverloadManagerConfig.TimerType.HTTP_DOWNSTREAM_CONNECTION_IDLE, idle.timer());
        // Saturated: 60 s shrinks to its 2 s floor; half-way, to 31 s.
        assertEquals(Duration.ofSeconds(2).toNanos(), idle.scaledNanos(Duration.ofSeconds(60).toNanos(), 1));
        assertEquals(Duration.ofSeconds(31).toNanos(), idle.scaledNanos(Duration.ofSeconds(60).toNanos(), 0.5));
        assertEquals(Duration.ofSeconds(6).toNanos(),
                reduce.timerScales().get(1).scaledNanos(Duration.ofSeconds(60).toNanos(), 1));
    }

    @Test
    void triggerOnAnUnknownMonitorNamesItsField() {
        String bad = OM.replaceFirst("triggers:\n(\\s+)- name: envoy.resource_monitors.fixed_heap",
                "triggers:\n$1- name: envoy.resource_monitors.nope");
        var e = assertThrows(TranslationException.class, () -> new BootstrapLoader().loadString(bad, "test.yaml"));
        assertEquals("overload_manager.actions[0].triggers[0].name", e.path());
        assertTrue(e.reason().contains("unknown resource monitor"), e.reason());
    }

    @Test
    void scaledTriggerMustScaleBelowSaturation() {
        String bad = OM.replace("scaling_threshold: 0.85", "scaling_threshold: 0.99");
        var e = assertThrows(TranslationException.class, () -> new BootstrapLoader().loadString(bad, "test.yaml"));
        assertEquals("overload_manager.actions[1].triggers[0].scaled", e.path());
    }

    @Test
    void runtimeConnectionLimitsWithoutAnOverloadManager() {
        assertNull(OverloadManagerTranslator.translate(load("node: { id: a }\n"), TranslationContext.lenient()));
        OverloadManagerConfig c = OverloadManagerTranslator.translate(load("""
                layered_runtime:
                  layers:
                  - name: static
                    static_layer:
                      overload.global_downstream_max_connections: 1000
                      envoy.resource_limits.listener.inbound.connection_limit: 10
                """), TranslationContext.lenient());
        assertEquals(1000, c.globalMaxConnections());
        assertEquals(10L, c.listenerConnectionLimits().get("inbound"));
    }

    @Test
    void resetHighMemoryStreamWithBufferFactoryConfig() {
        String yaml = OM.replace("  actions:\n", "  buffer_factory_config:\n"
                + "    minimum_account_to_track_power_of_two: 20\n"
                + "  actions:\n"
                + "  - name: envoy.overload_actions.reset_high_memory_stream\n"
                + "    triggers:\n"
                + "    - name: envoy.resource_monitors.fixed_heap\n"
                + "      scaled: { scaling_threshold: 0.85, saturation_threshold: 0.95 }\n");
        OverloadManagerConfig c = OverloadManagerTranslator.translate(load(yaml), TranslationContext.lenient());
        assertEquals(20, c.minimumAccountToTrackPowerOfTwo());
        assertEquals(OverloadManagerConfig.RESET_HIGH_MEMORY_STREAMS, c.actions().get(0).name());
        // The plural spelling reads as Envoy's action.
        OverloadManagerConfig plural = OverloadManagerTranslator.translate(load(yaml.replace(
                "reset_high_memory_stream\n", "reset_high_memory_streams\n")), TranslationContext.lenient());
        assertEquals(OverloadManagerConfig.RESET_HIGH_MEMORY_STREAMS, plural.actions().get(0).name());
        var e = assertThrows(TranslationException.class, () -> new BootstrapLoader().loadString(
                yaml.replace("power_of_two: 20", "power_of_two: 8"), "test.yaml"));
        assertEquals("overload_manager.buffer_factory_config.minimum_account_to_track_power_of_two", e.path());
        // Without buffer_factory_config no stream is tracked, as in Envoy.
        assertEquals(0, OverloadManagerTranslator.translate(load(OM), TranslationContext.lenient())
                .minimumAccountToTrackPowerOfTwo());
    }

    /** One monitor (typed_config body as YAML flow fields) and one action it triggers. */
    private static OverloadManagerConfig oneMonitor(String monitor, String typedConfig, String action) {
        return OverloadManagerTranslator.translate(load("""
                overload_manager:
                  resource_monitors:
                  - { name: %1$s, typed_config: { %2$s } }
                  actions:
                  - { name: %3$s, triggers: [{ name: %1$s, threshold: { value: 0.9 } }] }
                """.formatted(monitor, typedConfig, action)), TranslationContext.lenient());
    }

    @Test
    void cpuUtilizationMonitorsInHostAndContainerMode() {
        String config = "\"@type\": type.googleapis.com/envoy.extensions.resource_monitors.cpu_utilization.v3.CpuUtilizationConfig, mode: ";
        OverloadManagerConfig host = oneMonitor(OverloadManagerConfig.CPU_UTILIZATION, config + "HOST",
                OverloadManagerConfig.STOP_ACCEPTING_REQUESTS);
        assertEquals(java.util.List.of(new OverloadManagerConfig.CpuUtilization(false)), host.resourceMonitors());
        assertEquals(1, host.actions().size(), "the trigger names a known monitor");
        OverloadManagerConfig container = oneMonitor(OverloadManagerConfig.CPU_UTILIZATION, config + "CONTAINER",
                OverloadManagerConfig.STOP_ACCEPTING_REQUESTS);
        assertEquals(java.util.List.of(new OverloadManagerConfig.CpuUtilization(true)), container.resourceMonitors());
    }

    @Test
    void v2alphaFixedHeapConfigIsTheV3Monitor() {
        OverloadManagerConfig c = oneMonitor(OverloadManagerConfig.FIXED_HEAP,
                "\"@type\": type.googleapis.com/envoy.config.resource_monitor.fixed_heap.v2alpha.FixedHeapConfig,"
                        + " max_heap_size_bytes: 1073741824", OverloadManagerConfig.SHRINK_HEAP);
        assertEquals(java.util.List.of(new OverloadManagerConfig.FixedHeap(1073741824L)), c.resourceMonitors());
        assertEquals(1, c.actions().size());
    }
}
