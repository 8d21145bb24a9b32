package io.remora.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The bootstrap's {@code overload_manager}, with the connection limits Envoy takes from its runtime
 * ({@code overload.global_downstream_max_connections},
 * {@code envoy.resource_limits.listener.<name>.connection_limit}).
 *
 * @param refreshInterval          how often resource monitors are sampled (Envoy: 1 s)
 * @param resourceMonitors         by name, each at most once
 * @param actions                  overload actions and what triggers them
 * @param globalMaxConnections     downstream connections across all listeners; 0 = unlimited
 * @param listenerConnectionLimits connections per listener name
 * @param minimumAccountToTrackPowerOfTwo {@code buffer_factory_config.minimum_account_to_track_power_of_two}:
 *                                 streams buffering at least 2^n bytes are tracked for
 *                                 reset_high_memory_stream; 0 = none tracked (Envoy without it)
 * @param loadShedPoints           {@code loadshed_points}: where the data plane sheds load, and what triggers it
 */
public record OverloadManagerConfig(
        Duration refreshInterval,
        List<ResourceMonitor> resourceMonitors,
        List<Action> actions,
        long globalMaxConnections,
        Map<String, Long> listenerConnectionLimits,
        int minimumAccountToTrackPowerOfTwo,
        List<LoadShedPointConfig> loadShedPoints) {

    public static final String FIXED_HEAP = "envoy.resource_monitors.fixed_heap";
    public static final String GLOBAL_DOWNSTREAM_MAX_CONNECTIONS = "envoy.resource_monitors.global_downstream_max_connections";
    /** Envoy's test monitor: the pressure is read from a file. */
    public static final String INJECTED_RESOURCE = "envoy.resource_monitors.injected_resource";
    public static final String CPU_UTILIZATION = "envoy.resource_monitors.cpu_utilization";
    /** Netty's direct (off-heap) buffers: where socket reads and writes live. */
    public static final String DIRECT_MEMORY = "remora.resource_monitors.direct_memory";

    public static final String STOP_ACCEPTING_REQUESTS = "envoy.overload_actions.stop_accepting_requests";
    public static final String STOP_ACCEPTING_CONNECTIONS = "envoy.overload_actions.stop_accepting_connections";
    public static final String REJECT_INCOMING_CONNECTIONS = "envoy.overload_actions.reject_incoming_connections";
    public static final String DISABLE_HTTP_KEEPALIVE = "envoy.overload_actions.disable_http_keepalive";
    public static final String RESET_HIGH_MEMORY_STREAMS = "envoy.overload_actions.reset_high_memory_stream";
    /** The plural spelling some configs use for {@link #RESET_HIGH_MEMORY_STREAMS}; read as it. */
    public static final String RESET_HIGH_MEMORY_STREAMS_PLURAL = "envoy.overload_actions.reset_high_memory_streams";
    public static final String SHRINK_HEAP = "envoy.overload_actions.shrink_heap";
    public static final String REDUCE_TIMEOUTS = "envoy.overload_actions.reduce_timeouts";

    /** Envoy's load shed points that Remora checks. */
    public static final String SHED_TCP_LISTENER_ACCEPT = "envoy.load_shed_points.tcp_listener_accept";
    public static final String SHED_HCM_DECODE_HEADERS = "envoy.load_shed_points.http_connection_manager_decode_headers";
    public static final String SHED_HCM_CREATING_CODEC = "envoy.load_shed_points.hcm_ondata_creating_codec";
    public static final String SHED_DOWNSTREAM_FILTER_CHECK = "envoy.load_shed_points.http_downstream_filter_check";
    public static final String SHED_POOL_NEW_CONNECTION = "envoy.load_shed_points.connection_pool_new_connection";
    public static final String SHED_HTTP1_ABORT_DISPATCH = "envoy.load_shed_points.http1_server_abort_dispatch";
    public static final String SHED_HTTP2_GO_AWAY = "envoy.load_shed_points.http2_server_go_away_on_dispatch";
    public static final String SHED_HTTP2_GO_AWAY_AND_CLOSE =
            "envoy.load_shed_points.http2_server_go_away_and_close_on_dispatch";

    public OverloadManagerConfig {
        loadShedPoints = loadShedPoints == null ? List.of() : List.copyOf(loadShedPoints);
        resourceMonitors = List.copyOf(resourceMonitors);
        actions = List.copyOf(actions);
        listenerConnectionLimits = Map.copyOf(listenerConnectionLimits);
    }

    /** Without buffer accounting (no {@code buffer_factory_config}). */
    public OverloadManagerConfig(Duration refreshInterval, List<ResourceMonitor> resourceMonitors, List<Action> actions,
                                 long globalMaxConnections, Map<String, Long> listenerConnectionLimits) {
        this(refreshInterval, resourceMonitors, actions, globalMaxConnections, listenerConnectionLimits, 0, List.of());
    }

    /** Without load shed points. */
    public OverloadManagerConfig(Duration refreshInterval, List<ResourceMonitor> resourceMonitors, List<Action> actions,
                                 long globalMaxConnections, Map<String, Long> listenerConnectionLimits,
                                 int minimumAccountToTrackPowerOfTwo) {
        this(refreshInterval, resourceMonitors, actions, globalMaxConnections, listenerConnectionLimits,
                minimumAccountToTrackPowerOfTwo, List.of());
    }

    /** A resource monitor: its name and the capacity its pressure (used / capacity) is measured against. */
    public sealed interface ResourceMonitor {
        String name();
    }

    /** {@code envoy.resource_monitors.fixed_heap}: the JVM heap's live data against max_heap_size_bytes. */
    public record FixedHeap(long maxHeapSizeBytes) implements ResourceMonitor {
        public String name() {
            return FIXED_HEAP;
        }
    }

    /** {@code remora.resource_monitors.direct_memory}: direct buffers against maxBytes (0: the JVM's limit). */
    public record DirectMemory(long maxBytes) implements ResourceMonitor {
        public String name() {
            return DIRECT_MEMORY;
        }
    }

    /**
     * {@code envoy.resource_monitors.injected_resource}: the pressure written in a file (a number in
     * [0, 1]), re-read at every refresh; Envoy's way to drive the overload manager from outside.
     */
    public record InjectedResource(String filename) implements ResourceMonitor {
        public String name() {
            return INJECTED_RESOURCE;
        }
    }

    /**
     * {@code envoy.resource_monitors.cpu_utilization}: the host's CPU from /proc/stat, or with
     * {@code container} (mode CONTAINER) the cgroup's, against the cores it may use.
     */
    public record CpuUtilization(boolean container) implements ResourceMonitor {
        public String name() {
            return CPU_UTILIZATION;
        }
    }

    /**
     * {@code envoy.resource_monitors.global_downstream_max_connections}: a proactive monitor, checked
     * at every accept; beyond the maximum a connection is closed at once.
     */
    public record DownstreamConnections(long maxActiveDownstreamConnections) implements ResourceMonitor {
        public String name() {
            return GLOBAL_DOWNSTREAM_MAX_CONNECTIONS;
        }
    }

    /**
     * One trigger of an action. A threshold trigger fires fully at {@code value}; a scaled trigger
     * grows linearly from {@code scalingThreshold} to saturation at {@code saturationThreshold}.
     */
    public record Trigger(String resource, boolean scaled, double value, double scalingThreshold,
                          double saturationThreshold) {
        public static Trigger threshold(String resource, double value) {
            return new Trigger(resource, false, value, 0, 0);
        }

        public static Trigger scaled(String resource, double scalingThreshold, double saturationThreshold) {
            return new Trigger(resource, true, 0, scalingThreshold, saturationThreshold);
        }

        /** The action's strength in [0, 1] for this pressure in [0, 1]. */
        public double strength(double pressure) {
            if (!scaled) {
                return pressure >= value ? 1 : 0;
            }
            if (pressure >= saturationThreshold) {
                return 1;
            }
            if (pressure <= scalingThreshold) {
                return 0;
            }
            return (pressure - scalingThreshold) / (saturationThreshold - scalingThreshold);
        }
    }

    /** Timers {@code reduce_timeouts} shrinks, as Envoy's {@code ScaleTimersOverloadActionConfig.TimerType}. */
    public enum TimerType {
        HTTP_DOWNSTREAM_CONNECTION_IDLE, HTTP_DOWNSTREAM_STREAM_IDLE, TRANSPORT_SOCKET_CONNECT,
        HTTP_DOWNSTREAM_CONNECTION_MAX, HTTP_DOWNSTREAM_STREAM_FLUSH
    }

    /** A timer's floor when fully scaled: an absolute minimum, or a percentage of the configured timeout. */
    public record TimerScale(TimerType timer, Duration minTimeout, double minScalePercent) {
        /** The timeout to use when the action's strength is {@code strength}. */
        public long scaledNanos(long configuredNanos, double strength) {
            long floor = minTimeout != null ? Math.min(configuredNanos, minTimeout.toNanos())
                    : (long) (configuredNanos * (minScalePercent / 100.0));
            return configuredNanos - (long) ((configuredNanos - floor) * strength);
        }
    }

    /**
     * An overload action.
     *
     * @param timerScales only for {@code reduce_timeouts}: how far each timer shrinks when saturated
     */
    public record Action(String name, List<Trigger> triggers, List<TimerScale> timerScales) {
        public Action {
            triggers = List.copyOf(triggers);
            timerScales = timerScales == null ? List.of() : List.copyOf(timerScales);
        }
    }

    /** A load shed point ({@code loadshed_points}): its name and the triggers that make it shed. */
    public record LoadShedPointConfig(String name, List<Trigger> triggers) {
        public LoadShedPointConfig {
            triggers = List.copyOf(triggers);
        }
    }
}
