package io.remora.overload;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.config.OverloadManagerConfig;
import io.remora.config.OverloadManagerConfig.Action;
import io.remora.config.OverloadManagerConfig.TimerScale;
import io.remora.config.OverloadManagerConfig.TimerType;
import io.remora.config.OverloadManagerConfig.Trigger;
import io.remora.stats.StatsRegistry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Envoy's overload manager: resource monitors sampled every refresh interval, overload actions
 * whose strength follows their triggers, and the limits the data plane checks as it accepts
 * connections and reads request headers. Under pressure the proxy sheds load (refused
 * connections, 503 with response flag OM, closed keep-alive, reset memory-heavy streams, shorter
 * timeouts, a garbage collection) and recovers when pressure falls; it never exits.
 *
 * <p>Stats have Envoy's names: {@code overload.<action>.active} and {@code .scale_percent},
 * {@code overload.<monitor>.pressure}, {@code .failed_updates} and {@code .skipped_updates}.
 */
public final class OverloadManager implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(OverloadManager.class.getName());

    private final OverloadManagerConfig config;
    private final List<Sampled> monitors = new ArrayList<>();
    private final List<Driven> actions = new ArrayList<>();
    private final Map<String, ActionState> states = new LinkedHashMap<>();
    private final Map<TimerType, TimerScale> timerScales = new EnumMap<>(TimerType.class);
    private final ConnectionLimits connections;
    private final HeaderBudget headerBudget;
    private final Counter shrinkHeapCount;
    private final Counter streamsReset;
    private final Map<io.netty.util.concurrent.EventExecutor, WorkerOverload> workers =
            new java.util.concurrent.ConcurrentHashMap<>();
    private double lastTimerScale;
    private ScheduledExecutorService scheduler;

    public final ActionState stopAcceptingRequests;
    public final ActionState stopAcceptingConnections;
    public final ActionState disableHttpKeepalive;
    public final ActionState resetHighMemoryStreams;
    public final ActionState shrinkHeap;
    public final ActionState reduceTimeouts;
    public final LoadShedPoint shedListenerAccept;
    public final LoadShedPoint shedDecodeHeaders;
    public final LoadShedPoint shedCreatingCodec;
    public final LoadShedPoint shedDownstreamFilterCheck;
    public final LoadShedPoint shedPoolNewConnection;
    /**
     * The codecs' points, checked on every read: null when not configured, so that an unconfigured
     * point costs a read one null check.
     */
    public final LoadShedPoint shedHttp1AbortDispatch;
    public final LoadShedPoint shedHttp2GoAway;
    public final LoadShedPoint shedHttp2GoAwayAndClose;
    private final Map<String, LoadShedPoint> points = new LinkedHashMap<>();

    private record Sampled(ResourceMonitor monitor, double[] pressure, Counter failed) {
    }

    private record Driven(ActionState state, List<Trigger> triggers) {
    }

    private OverloadManager(OverloadManagerConfig config, StatsRegistry stats) {
        this.config = config;
        MeterRegistry r = stats.meterRegistry();
        long globalMax = config.globalMaxConnections();
        for (OverloadManagerConfig.ResourceMonitor m : config.resourceMonitors()) {
            ResourceMonitor monitor = null;
            if (m instanceof OverloadManagerConfig.FixedHeap h) {
                monitor = new ResourceMonitor.Heap(m.name(), h.maxHeapSizeBytes());
            } else if (m instanceof OverloadManagerConfig.InjectedResource i) {
                monitor = new ResourceMonitor.Injected(m.name(), i.filename());
            } else if (m instanceof OverloadManagerConfig.DirectMemory d) {
                monitor = new ResourceMonitor.DirectMemory(m.name(), d.maxBytes());
            } else if (m instanceof OverloadManagerConfig.CpuUtilization c) {
                monitor = new ResourceMonitor.CpuUtilization(m.name(), c.container()
                        ? CpuStatsReaders.container(java.nio.file.Path.of("/sys/fs/cgroup"), System::nanoTime)
                        : CpuStatsReaders.host(java.nio.file.Path.of("/proc/stat")));
            } else if (m instanceof OverloadManagerConfig.DownstreamConnections c) {
                // Bound below, once the limits exist.
                globalMax = globalMax <= 0 ? c.maxActiveDownstreamConnections()
                        : Math.min(globalMax, c.maxActiveDownstreamConnections());
            }
            if (monitor != null) {
                addMonitor(monitor, r);
            }
        }
        this.connections = new ConnectionLimits(globalMax, config.listenerConnectionLimits());
        for (OverloadManagerConfig.ResourceMonitor m : config.resourceMonitors()) {
            if (m instanceof OverloadManagerConfig.DownstreamConnections c) {
                addMonitor(new ResourceMonitor.Counted(m.name(), connections::active, c.maxActiveDownstreamConnections()), r);
            }
        }
        for (Action a : config.actions()) {
            ActionState s = states.computeIfAbsent(a.name(), ActionState::new);
            actions.add(new Driven(s, a.triggers()));
            for (TimerScale t : a.timerScales()) {
                timerScales.put(t.timer(), t);
            }
        }
        for (ActionState s : states.values()) {
            String base = "envoy_overload_" + sanitize(s.name);
            Gauge.builder(base + "_active", s, x -> x.isSaturated() ? 1 : 0).register(r);
            Gauge.builder(base + "_scale_percent", s, x -> Math.floor(x.value() * 100)).register(r);
        }
        for (OverloadManagerConfig.LoadShedPointConfig p : config.loadShedPoints()) {
            // Stats as Envoy's: overload.<point>.scale_percent and .shed_load_count.
            ActionState s = new ActionState(p.name());
            String base = "envoy_overload_" + sanitize(p.name());
            Gauge.builder(base + "_scale_percent", s, x -> Math.floor(x.value() * 100)).register(r);
            points.put(p.name(), new LoadShedPoint(s, Counter.builder(base + "_shed_load_count").register(r)));
            actions.add(new Driven(s, p.triggers()));
        }
        shedListenerAccept = point(OverloadManagerConfig.SHED_TCP_LISTENER_ACCEPT);
        shedDecodeHeaders = point(OverloadManagerConfig.SHED_HCM_DECODE_HEADERS);
        shedCreatingCodec = point(OverloadManagerConfig.SHED_HCM_CREATING_CODEC);
        shedDownstreamFilterCheck = point(OverloadManagerConfig.SHED_DOWNSTREAM_FILTER_CHECK);
        shedPoolNewConnection = point(OverloadManagerConfig.SHED_POOL_NEW_CONNECTION);
        shedHttp1AbortDispatch = points.get(OverloadManagerConfig.SHED_HTTP1_ABORT_DISPATCH);
        shedHttp2GoAway = points.get(OverloadManagerConfig.SHED_HTTP2_GO_AWAY);
        shedHttp2GoAwayAndClose = points.get(OverloadManagerConfig.SHED_HTTP2_GO_AWAY_AND_CLOSE);
        stopAcceptingRequests = state(OverloadManagerConfig.STOP_ACCEPTING_REQUESTS);
        ActionState stopConnections = state(OverloadManagerConfig.STOP_ACCEPTING_CONNECTIONS);
        ActionState rejectConnections = state(OverloadManagerConfig.REJECT_INCOMING_CONNECTIONS);
        stopAcceptingConnections = stopConnections != ActionState.INACTIVE ? stopConnections : rejectConnections;
        disableHttpKeepalive = state(OverloadManagerConfig.DISABLE_HTTP_KEEPALIVE);
        resetHighMemoryStreams = state(OverloadManagerConfig.RESET_HIGH_MEMORY_STREAMS);
        shrinkHeap = state(OverloadManagerConfig.SHRINK_HEAP);
        reduceTimeouts = state(OverloadManagerConfig.REDUCE_TIMEOUTS);
        shrinkHeapCount = Counter.builder("envoy_overload_envoy_overload_actions_shrink_heap_shrink_count").register(r);
        streamsReset = Counter.builder("envoy_overload_remora_reset_high_memory_stream_streams_reset").register(r);
        long maxHeap = Runtime.getRuntime().maxMemory();
        Counter shed = Counter.builder("envoy_overload_remora_header_budget_shed").register(r);
        this.headerBudget = new HeaderBudget(Math.max(1 << 20, maxHeap / 16), 4096, shed, resetHighMemoryStreams);
        Gauge.builder("envoy_overload_remora_header_budget_bytes", headerBudget, HeaderBudget::held).register(r);
    }

    private static volatile OverloadManager unmanaged;

    /**
     * For a data plane run without a server (tests, benchmarks): no actions ever active, the
     * default header budget.
     */
    public static OverloadManager unmanaged() {
        OverloadManager u = unmanaged;
        if (u == null) {
            synchronized (OverloadManager.class) {
                if (unmanaged == null) {
                    unmanaged = new OverloadManager(new OverloadManagerConfig(Duration.ofSeconds(1), List.of(),
                            List.of(), 0, Map.of()), new StatsRegistry());
                }
                u = unmanaged;
            }
        }
        return u;
    }

    /** An overload manager from config; {@link #start} begins sampling. */
    public static OverloadManager create(OverloadManagerConfig config, StatsRegistry stats) {
        return new OverloadManager(config == null ? defaults() : config, stats);
    }

    /**
     * What runs without an {@code overload_manager} in the bootstrap, so that a small heap survives
     * floods: the heap and direct memory watched; keep-alive off and the heap shrunk at 90%,
     * memory-heavy streams reset and timeouts shortened as pressure rises past 90%, no new
     * requests or connections at 98%.
     */
    public static OverloadManagerConfig defaults() {
        String heap = OverloadManagerConfig.FIXED_HEAP;
        String direct = OverloadManagerConfig.DIRECT_MEMORY;
        List<Action> actions = List.of(
                new Action(OverloadManagerConfig.SHRINK_HEAP, List.of(Trigger.threshold(heap, 0.90)), null),
                new Action(OverloadManagerConfig.DISABLE_HTTP_KEEPALIVE,
                        List.of(Trigger.threshold(heap, 0.90), Trigger.threshold(direct, 0.90)), null),
                new Action(OverloadManagerConfig.RESET_HIGH_MEMORY_STREAMS,
                        List.of(Trigger.scaled(heap, 0.90, 0.95), Trigger.scaled(direct, 0.90, 0.95)), null),
                new Action(OverloadManagerConfig.REDUCE_TIMEOUTS,
                        List.of(Trigger.scaled(heap, 0.85, 0.95), Trigger.scaled(direct, 0.85, 0.95)),
                        List.of(new TimerScale(TimerType.HTTP_DOWNSTREAM_CONNECTION_IDLE, null, 10),
                                new TimerScale(TimerType.HTTP_DOWNSTREAM_STREAM_IDLE, null, 10))),
                new Action(OverloadManagerConfig.STOP_ACCEPTING_REQUESTS,
                        List.of(Trigger.threshold(heap, 0.98), Trigger.threshold(direct, 0.98)), null),
                new Action(OverloadManagerConfig.STOP_ACCEPTING_CONNECTIONS,
                        List.of(Trigger.threshold(heap, 0.98), Trigger.threshold(direct, 0.98)), null));
        return new OverloadManagerConfig(Duration.ofSeconds(1),
                List.of(new OverloadManagerConfig.FixedHeap(0), new OverloadManagerConfig.DirectMemory(0)),
                actions, 0, Map.of(), DEFAULT_MIN_ACCOUNT_POWER_OF_TWO, List.of());
    }

    /** Without an overload_manager: streams buffering 256 KiB or more are tracked (Envoy's default floor). */
    static final int DEFAULT_MIN_ACCOUNT_POWER_OF_TWO = 18;

    private void addMonitor(ResourceMonitor m, MeterRegistry r) {
        double[] pressure = new double[1];
        String base = "envoy_overload_" + sanitize(m.name);
        Counter failed = Counter.builder(base + "_failed_updates").register(r);
        Counter.builder(base + "_skipped_updates").register(r);
        Gauge.builder(base + "_pressure", pressure, p -> Math.floor(p[0] * 100)).register(r);
        monitors.add(new Sampled(m, pressure, failed));
    }

    /** The load shed point of this name, or one that never sheds when it is not configured. */
    public LoadShedPoint point(String name) {
        LoadShedPoint p = points.get(name);
        return p == null ? LoadShedPoint.NEVER : p;
    }

    private ActionState state(String name) {
        ActionState s = states.get(name);
        return s == null ? ActionState.INACTIVE : s;
    }

    private static String sanitize(String name) {
        return name.replace('.', '_').replace('-', '_');
    }

    /** Starts sampling on a daemon thread of its own (refresh_interval). */
    public synchronized OverloadManager start() {
        if (scheduler == null && !monitors.isEmpty()) {
            scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "remora-overload");
                t.setDaemon(true);
                return t;
            });
            long ms = Math.max(10, config.refreshInterval() == null ? 1000 : config.refreshInterval().toMillis());
            scheduler.scheduleWithFixedDelay(this::refresh, 0, ms, TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /** Samples every monitor and updates every action (also callable directly, e.g. by tests). */
    public void refresh() {
        Map<String, Double> pressures = new LinkedHashMap<>();
        for (Sampled s : monitors) {
            try {
                double p = s.monitor.pressure();
                s.pressure[0] = p;
                pressures.put(s.monitor.name, p);
            } catch (RuntimeException e) {
                // Envoy keeps the last pressure of a monitor that failed to update.
                s.failed.increment();
                pressures.put(s.monitor.name, s.pressure[0]);
            }
        }
        for (Driven a : actions) {
            double v = 0;
            for (Trigger t : a.triggers) {
                Double p = pressures.get(t.resource());
                if (p != null) {
                    v = Math.max(v, t.strength(p));
                }
            }
            double before = a.state.value();
            a.state.set(v);
            if ((before >= 1) != (v >= 1)) {
                LOG.log(Level.WARNING, "overload " + a.state.name
                        + (v >= 1 ? " active" : " inactive") + " (pressure " + pressures + ")");
            }
        }
        double reset = resetHighMemoryStreams.value();
        int minPower = config.minimumAccountToTrackPowerOfTwo();
        if (reset > 0 && minPower > 0) {
            for (WorkerOverload w : workers.values()) {
                w.loop.execute(() -> w.resetHighMemoryStreams(reset, minPower));
            }
        }
        double scale = reduceTimeouts.value();
        if (scale != lastTimerScale) {
            // Armed timers follow the new strength at once, as Envoy's scaled timers do.
            lastTimerScale = scale;
            for (WorkerOverload w : workers.values()) {
                w.loop.execute(w::timerScaleChanged);
            }
        }
        if (shrinkHeap.isSaturated()) {
            // The JVM's way to give memory back: a full collection lets the heap shrink.
            shrinkHeapCount.increment();
            System.gc();
        }
    }

    /** The timeout to arm for a timer of this type now: shortened while reduce_timeouts is active. */
    public long scaledTimeoutNanos(TimerType timer, long configuredNanos) {
        double strength = reduceTimeouts.value();
        if (strength <= 0 || configuredNanos <= 0) {
            return configuredNanos;
        }
        TimerScale scale = timerScales.get(timer);
        return scale == null ? configuredNanos : scale.scaledNanos(configuredNanos, strength);
    }

    /** Runs {@code action} on each worker's event loop, with that worker's part. */
    public void onEachWorker(java.util.function.Consumer<WorkerOverload> action) {
        for (WorkerOverload w : workers.values()) {
            w.loop.execute(() -> action.accept(w));
        }
    }

    /** This event loop's part of the overload manager (created on first use). */
    public WorkerOverload worker(io.netty.util.concurrent.EventExecutor loop) {
        WorkerOverload w = workers.get(loop);
        if (w == null) {
            w = workers.computeIfAbsent(loop, l -> {
                l.terminationFuture().addListener(f -> workers.remove(l));
                return new WorkerOverload(l, streamsReset);
            });
        }
        return w;
    }

    /**
     * Envoy's stop_accepting_requests check for one new request: refused with the action's
     * strength as probability (always when saturated, never when inactive).
     */
    public boolean shouldStopAcceptingRequest() {
        return bernoulli(stopAcceptingRequests.value());
    }

    /** Envoy's disable_http_keepalive for one response: with the action's strength as probability. */
    public boolean shouldDisableKeepalive() {
        return bernoulli(disableHttpKeepalive.value());
    }

    private static boolean bernoulli(double p) {
        return p > 0 && (p >= 1 || java.util.concurrent.ThreadLocalRandom.current().nextDouble() < p);
    }

    public ConnectionLimits connections() {
        return connections;
    }

    public HeaderBudget headerBudget() {
        return headerBudget;
    }

    public OverloadManagerConfig config() {
        return config;
    }

    @Override
    public synchronized void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
    }
}
