package io.remora.xds.translate;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.overload.v3.OverloadAction;
import io.envoyproxy.envoy.config.overload.v3.ResourceMonitor;
import io.envoyproxy.envoy.config.overload.v3.ScaleTimersOverloadActionConfig;
import io.envoyproxy.envoy.config.overload.v3.Trigger;
import io.envoyproxy.envoy.extensions.resource_monitors.cpu_utilization.v3.CpuUtilizationConfig;
import io.envoyproxy.envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig;
import io.envoyproxy.envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig;
import io.remora.config.OverloadManagerConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The bootstrap's {@code overload_manager}, and the connection limits Envoy reads from its static
 * runtime layers ({@code overload.global_downstream_max_connections},
 * {@code envoy.resource_limits.listener.<name>.connection_limit}). Without an overload_manager the
 * result is null and the data plane runs its defaults; the runtime limits apply either way.
 */
public final class OverloadManagerTranslator {

    private static final String FIXED_HEAP_V2ALPHA = "envoy.config.resource_monitor.fixed_heap.v2alpha.FixedHeapConfig";
    private static final String GLOBAL_MAX_KEY = "overload.global_downstream_max_connections";
    private static final String LISTENER_LIMIT_PREFIX = "envoy.resource_limits.listener.";
    private static final String LISTENER_LIMIT_SUFFIX = ".connection_limit";

    private static final Set<String> KNOWN_ACTIONS = Set.of(
            OverloadManagerConfig.STOP_ACCEPTING_REQUESTS, OverloadManagerConfig.STOP_ACCEPTING_CONNECTIONS,
            OverloadManagerConfig.REJECT_INCOMING_CONNECTIONS, OverloadManagerConfig.DISABLE_HTTP_KEEPALIVE,
            OverloadManagerConfig.RESET_HIGH_MEMORY_STREAMS, OverloadManagerConfig.RESET_HIGH_MEMORY_STREAMS_PLURAL,
            OverloadManagerConfig.SHRINK_HEAP,
            OverloadManagerConfig.REDUCE_TIMEOUTS);

    /** The load shed points the data plane checks. */
    private static final Set<String> SHED_POINTS = Set.of(OverloadManagerConfig.SHED_TCP_LISTENER_ACCEPT,
            OverloadManagerConfig.SHED_HCM_DECODE_HEADERS, OverloadManagerConfig.SHED_HCM_CREATING_CODEC,
            OverloadManagerConfig.SHED_DOWNSTREAM_FILTER_CHECK, OverloadManagerConfig.SHED_POOL_NEW_CONNECTION,
            OverloadManagerConfig.SHED_HTTP1_ABORT_DISPATCH, OverloadManagerConfig.SHED_HTTP2_GO_AWAY,
            OverloadManagerConfig.SHED_HTTP2_GO_AWAY_AND_CLOSE);

    private OverloadManagerTranslator() {
    }

    /** Null when the bootstrap configures neither an overload manager nor runtime connection limits. */
    public static OverloadManagerConfig translate(Bootstrap b, TranslationContext ctx) {
        Map<String, Value> runtime = RuntimeLayers.flatten(b);
        long globalMax = 0;
        Map<String, Long> listenerLimits = new LinkedHashMap<>();
        for (Map.Entry<String, Value> e : runtime.entrySet()) {
            String k = e.getKey();
            if (k.equals(GLOBAL_MAX_KEY)) {
                globalMax = RuntimeLayers.number(e.getValue(), runtimePath(k));
            } else if (k.startsWith(LISTENER_LIMIT_PREFIX) && k.endsWith(LISTENER_LIMIT_SUFFIX)
                    && k.length() > LISTENER_LIMIT_PREFIX.length() + LISTENER_LIMIT_SUFFIX.length()) {
                String listener = k.substring(LISTENER_LIMIT_PREFIX.length(), k.length() - LISTENER_LIMIT_SUFFIX.length());
                listenerLimits.put(listener, RuntimeLayers.number(e.getValue(), runtimePath(k)));
            }
        }
        if (!b.hasOverloadManager()) {
            if (globalMax <= 0 && listenerLimits.isEmpty()) {
                return null;
            }
            // Runtime limits only: the default monitors and actions, with these limits.
            OverloadManagerConfig d = io.remora.overload.OverloadManager.defaults();
            return new OverloadManagerConfig(d.refreshInterval(), d.resourceMonitors(), d.actions(), globalMax,
                    listenerLimits, d.minimumAccountToTrackPowerOfTwo());
        }
        var om = b.getOverloadManager();
        FieldPath path = FieldPath.of("overload_manager");
        Duration refresh = Protos.duration(om.hasRefreshInterval(), om.getRefreshInterval(), Duration.ofSeconds(1));
        List<OverloadManagerConfig.ResourceMonitor> monitors = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < om.getResourceMonitorsCount(); i++) {
            ResourceMonitor m = om.getResourceMonitors(i);
            FieldPath mp = path.field("resource_monitors").index(i);
            if (!names.add(m.getName())) {
                throw mp.field("name").error("duplicate resource monitor '" + m.getName() + "'");
            }
            OverloadManagerConfig.ResourceMonitor rm = monitor(m, mp, ctx);
            if (rm != null) {
                monitors.add(rm);
            }
        }
        List<OverloadManagerConfig.Action> actions = new ArrayList<>();
        Set<String> actionNames = new HashSet<>();
        for (int i = 0; i < om.getActionsCount(); i++) {
            OverloadAction a = om.getActions(i);
            FieldPath ap = path.field("actions").index(i);
            if (!actionNames.add(a.getName().replace(OverloadManagerConfig.RESET_HIGH_MEMORY_STREAMS_PLURAL,
                    OverloadManagerConfig.RESET_HIGH_MEMORY_STREAMS))) {
                throw ap.field("name").error("duplicate overload action '" + a.getName() + "'");
            }
            if (!KNOWN_ACTIONS.contains(a.getName())) {
                ctx.warnOnce("overload_action:" + a.getName(), ap.field("name") + ": overload action '"
                        + a.getName() + "' is not supported and is ignored");
                continue;
            }
            actions.add(action(a, ap, names));
        }
        int minAccount = 0;
        if (om.hasBufferFactoryConfig()) {
            // Envoy: streams buffering at least 2^n bytes are tracked for reset_high_memory_stream.
            int n = om.getBufferFactoryConfig().getMinimumAccountToTrackPowerOfTwo();
            if (n < 10 || n > 56) {
                throw path.field("buffer_factory_config").field("minimum_account_to_track_power_of_two")
                        .error("must be within [10, 56]");
            }
            minAccount = n;
        }
        List<OverloadManagerConfig.LoadShedPointConfig> points = new ArrayList<>();
        Set<String> pointNames = new HashSet<>();
        for (int i = 0; i < om.getLoadshedPointsCount(); i++) {
            var p = om.getLoadshedPoints(i);
            FieldPath pp = path.field("loadshed_points").index(i);
            if (p.getName().isEmpty()) {
                throw pp.field("name").error("value length must be at least 1 characters");
            }
            if (p.getTriggersCount() == 0) {
                throw pp.field("triggers").error("value must contain at least 1 item(s)");
            }
            if (!pointNames.add(p.getName())) {
                throw pp.field("name").error("Duplicate loadshed point " + p.getName());
            }
            List<OverloadManagerConfig.Trigger> triggers = triggers(p.getTriggersList(), pp, names);
            if (!SHED_POINTS.contains(p.getName())) {
                // Envoy accepts any name (an extension may ask for it); nothing in Remora does.
                ctx.warnOnce("loadshed_point:" + p.getName(), pp.field("name") + ": load shed point '" + p.getName()
                        + "' is not checked anywhere in Remora: it never sheds");
            }
            points.add(new OverloadManagerConfig.LoadShedPointConfig(p.getName(), triggers));
        }
        return new OverloadManagerConfig(refresh, monitors, actions, globalMax, listenerLimits, minAccount, points);
    }

    private static OverloadManagerConfig.ResourceMonitor monitor(ResourceMonitor m, FieldPath mp, TranslationContext ctx) {
        switch (m.getName()) {
            case OverloadManagerConfig.FIXED_HEAP -> {
                long max;
                if (m.hasTypedConfig() && Protos.typeName(m.getTypedConfig()).equals(FIXED_HEAP_V2ALPHA)) {
                    // the v2alpha config Envoy's own example configs still carry: the same single field
                    max = Protos.unpack(m.getTypedConfig(),
                            io.envoyproxy.envoy.config.resource_monitor.fixed_heap.v2alpha.FixedHeapConfig.class,
                            mp.field("typed_config")).getMaxHeapSizeBytes();
                } else {
                    max = (m.hasTypedConfig()
                            ? Protos.unpack(m.getTypedConfig(), FixedHeapConfig.class, mp.field("typed_config"))
                            : FixedHeapConfig.getDefaultInstance()).getMaxHeapSizeBytes();
                }
                if (max <= 0) {
                    throw mp.field("typed_config").field("max_heap_size_bytes").error("must be greater than 0");
                }
                return new OverloadManagerConfig.FixedHeap(max);
            }
            case OverloadManagerConfig.CPU_UTILIZATION -> {
                var c = m.hasTypedConfig()
                        ? Protos.unpack(m.getTypedConfig(), CpuUtilizationConfig.class, mp.field("typed_config"))
                        : CpuUtilizationConfig.getDefaultInstance();
                return switch (c.getMode()) {
                    case HOST -> new OverloadManagerConfig.CpuUtilization(false);
                    case CONTAINER -> new OverloadManagerConfig.CpuUtilization(true);
                    default -> throw mp.field("typed_config").field("mode").error("must be HOST or CONTAINER");
                };
            }
            case OverloadManagerConfig.GLOBAL_DOWNSTREAM_MAX_CONNECTIONS -> {
                DownstreamConnectionsConfig c = m.hasTypedConfig()
                        ? Protos.unpack(m.getTypedConfig(), DownstreamConnectionsConfig.class, mp.field("typed_config"))
                        : DownstreamConnectionsConfig.getDefaultInstance();
                if (c.getMaxActiveDownstreamConnections() <= 0) {
                    throw mp.field("typed_config").field("max_active_downstream_connections")
                            .error("must be greater than 0");
                }
                return new OverloadManagerConfig.DownstreamConnections(c.getMaxActiveDownstreamConnections());
            }
            case OverloadManagerConfig.INJECTED_RESOURCE -> {
                var c = Protos.unpack(m.getTypedConfig(),
                        io.envoyproxy.envoy.extensions.resource_monitors.injected_resource.v3.InjectedResourceConfig.class,
                        mp.field("typed_config"));
                if (c.getFilename().isEmpty()) {
                    throw mp.field("typed_config").field("filename").error("must not be empty");
                }
                return new OverloadManagerConfig.InjectedResource(c.getFilename());
            }
            case OverloadManagerConfig.DIRECT_MEMORY -> {
                return new OverloadManagerConfig.DirectMemory(0);
            }
            default -> {
                ctx.warnOnce("resource_monitor:" + m.getName(), mp.field("name") + ": resource monitor '"
                        + m.getName() + "' is not supported and is ignored");
                return null;
            }
        }
    }

    /** An action's or a load shed point's triggers, each on a configured monitor, each monitor once. */
    private static List<OverloadManagerConfig.Trigger> triggers(List<Trigger> list, FieldPath ap, Set<String> monitors) {
        List<OverloadManagerConfig.Trigger> triggers = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int j = 0; j < list.size(); j++) {
            Trigger t = list.get(j);
            FieldPath tp = ap.field("triggers").index(j);
            if (!monitors.contains(t.getName())) {
                throw tp.field("name").error("unknown resource monitor '" + t.getName() + "'");
            }
            if (!seen.add(t.getName())) {
                throw tp.field("name").error("duplicate trigger resource '" + t.getName() + "'");
            }
            switch (t.getTriggerOneofCase()) {
                case THRESHOLD -> {
                    double v = t.getThreshold().getValue();
                    if (v < 0 || v > 1) {
                        throw tp.field("threshold").field("value").error("must be within [0, 1]");
                    }
                    triggers.add(OverloadManagerConfig.Trigger.threshold(t.getName(), v));
                }
                case SCALED -> {
                    double s = t.getScaled().getScalingThreshold();
                    double sat = t.getScaled().getSaturationThreshold();
                    if (s < 0 || s > 1 || sat < 0 || sat > 1) {
                        throw tp.field("scaled").error("thresholds must be within [0, 1]");
                    }
                    if (s >= sat) {
                        throw tp.field("scaled").error("scaling_threshold must be less than saturation_threshold");
                    }
                    triggers.add(OverloadManagerConfig.Trigger.scaled(t.getName(), s, sat));
                }
                default -> throw tp.error("missing required field: one of threshold, scaled");
            }
        }
        return triggers;
    }

    private static OverloadManagerConfig.Action action(OverloadAction a, FieldPath ap, Set<String> monitors) {
        if (a.getTriggersCount() == 0) {
            throw ap.field("triggers").error("an overload action needs at least one trigger");
        }
        List<OverloadManagerConfig.Trigger> triggers = triggers(a.getTriggersList(), ap, monitors);
        List<OverloadManagerConfig.TimerScale> scales = new ArrayList<>();
        if (OverloadManagerConfig.REDUCE_TIMEOUTS.equals(a.getName())) {
            FieldPath cp = ap.field("typed_config");
            if (!a.hasTypedConfig()) {
                throw cp.error("reduce_timeouts needs a ScaleTimersOverloadActionConfig");
            }
            var c = Protos.unpack(a.getTypedConfig(), ScaleTimersOverloadActionConfig.class, cp);
            for (int k = 0; k < c.getTimerScaleFactorsCount(); k++) {
                var d = c.getTimerScaleFactors(k);
                FieldPath dp = cp.field("timer_scale_factors").index(k);
                OverloadManagerConfig.TimerType type = switch (d.getTimer()) {
                    case HTTP_DOWNSTREAM_CONNECTION_IDLE -> OverloadManagerConfig.TimerType.HTTP_DOWNSTREAM_CONNECTION_IDLE;
                    case HTTP_DOWNSTREAM_STREAM_IDLE -> OverloadManagerConfig.TimerType.HTTP_DOWNSTREAM_STREAM_IDLE;
                    case TRANSPORT_SOCKET_CONNECT -> OverloadManagerConfig.TimerType.TRANSPORT_SOCKET_CONNECT;
                    case HTTP_DOWNSTREAM_CONNECTION_MAX -> OverloadManagerConfig.TimerType.HTTP_DOWNSTREAM_CONNECTION_MAX;
                    default -> throw dp.field("timer").error("must be a defined timer type");
                };
                if (d.hasMinTimeout()) {
                    scales.add(new OverloadManagerConfig.TimerScale(type, Protos.duration(d.getMinTimeout()), 0));
                } else if (d.hasMinScale()) {
                    double pct = d.getMinScale().getValue();
                    if (pct < 0 || pct > 100) {
                        throw dp.field("min_scale").field("value").error("must be within [0, 100]");
                    }
                    scales.add(new OverloadManagerConfig.TimerScale(type, null, pct));
                } else {
                    throw dp.error("missing required field: one of min_timeout, min_scale");
                }
            }
        }
        String name = OverloadManagerConfig.RESET_HIGH_MEMORY_STREAMS_PLURAL.equals(a.getName())
                ? OverloadManagerConfig.RESET_HIGH_MEMORY_STREAMS : a.getName();
        return new OverloadManagerConfig.Action(name, triggers, scales);
    }

    private static FieldPath runtimePath(String key) {
        return FieldPath.of("layered_runtime.layers").key(key);
    }

    /** Envoy's runtime: the static layers of layered_runtime, merged, keys flattened with dots. */
    static final class RuntimeLayers {
        private RuntimeLayers() {
        }

        static Map<String, Value> flatten(Bootstrap b) {
            Map<String, Value> out = new LinkedHashMap<>();
            for (var layer : b.getLayeredRuntime().getLayersList()) {
                if (layer.hasStaticLayer()) {
                    flatten("", layer.getStaticLayer(), out);
                }
            }
            return out;
        }

        private static void flatten(String prefix, Struct s, Map<String, Value> out) {
            for (Map.Entry<String, Value> e : s.getFieldsMap().entrySet()) {
                String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
                if (e.getValue().hasStructValue()) {
                    flatten(key, e.getValue().getStructValue(), out);
                } else {
                    out.put(key, e.getValue());
                }
            }
        }

        static long number(Value v, FieldPath path) {
            try {
                double d = v.hasNumberValue() ? v.getNumberValue() : Double.parseDouble(v.getStringValue().trim());
                if (d < 0) {
                    throw path.error("must not be negative");
                }
                return (long) d;
            } catch (NumberFormatException e) {
                throw path.error("not a number: " + v.getStringValue());
            }
        }
    }
}
