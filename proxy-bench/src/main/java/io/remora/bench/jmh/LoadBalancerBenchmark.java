package io.remora.bench.jmh;

import io.remora.config.Address;
import io.remora.config.ClusterConfig;
import io.remora.config.ClusterLoadAssignment;
import io.remora.config.ClusterLoadAssignment.HealthStatus;
import io.remora.config.ClusterLoadAssignment.LbEndpoint;
import io.remora.config.ClusterLoadAssignment.Locality;
import io.remora.config.ClusterLoadAssignment.LocalityLbEndpoints;
import io.remora.stats.StatsRegistry;
import io.remora.upstream.Cluster;
import io.remora.upstream.ClusterManagerImpl;
import io.remora.upstream.Host;
import io.remora.upstream.LoadBalancerContext;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Load-balancer pick ({@code Cluster.chooseHost} of ClusterManagerImpl's STATIC cluster) over 10
 * healthy hosts, by policy, with equal weights or weights 1..10 (the weighted variants).
 * {@code chooseHostOnWorker} picks on a Netty event loop, through that worker's own balancer (the
 * path requests take), in batches of 1000 per task; {@code chooseHost} picks from the benchmark
 * thread, which is no event loop and shares one balancer under a lock.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class LoadBalancerBenchmark {

    @Param({"ROUND_ROBIN", "LEAST_REQUEST", "RANDOM"})
    public ClusterConfig.LbPolicy policy;

    @Param({"false", "true"})
    public boolean weighted;

    private static final int BATCH = 1000;

    private ClusterManagerImpl manager;
    private Cluster cluster;
    private io.netty.channel.DefaultEventLoop worker;
    private java.util.concurrent.Callable<Host> batch;

    @Setup
    public void setup() {
        List<LbEndpoint> eps = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            eps.add(new LbEndpoint(new Address.Tcp("10.0.0." + (i + 1), 8080), weighted ? i + 1 : 1,
                    HealthStatus.HEALTHY, null));
        }
        ClusterLoadAssignment cla = new ClusterLoadAssignment("backend",
                List.of(new LocalityLbEndpoints(Locality.NONE, 0, 0, eps)), 0);
        ClusterConfig config = ClusterConfig.builder("backend").lbPolicy(policy).connectTimeout(Duration.ofSeconds(1))
                .loadAssignment(cla).dnsLookupFamily(ClusterConfig.DnsLookupFamily.V4_ONLY).build();
        manager = new ClusterManagerImpl(new StatsRegistry());
        manager.update(Map.of("backend", config));
        cluster = manager.get("backend");
        if (cluster.chooseHost(LoadBalancerContext.NONE) == null) {
            throw new IllegalStateException("no host picked");
        }
        worker = new io.netty.channel.DefaultEventLoop();
        Cluster c = cluster;
        batch = () -> {
            Host last = null;
            for (int i = 0; i < BATCH; i++) {
                last = c.chooseHost(LoadBalancerContext.NONE);
            }
            return last;
        };
    }

    @TearDown
    public void tearDown() {
        worker.shutdownGracefully();
        manager.close();
    }

    @Benchmark
    @org.openjdk.jmh.annotations.OperationsPerInvocation(BATCH)
    public Host chooseHostOnWorker() throws Exception {
        return worker.submit(batch).get();
    }

    @Benchmark
    public Host chooseHost() {
        return cluster.chooseHost(LoadBalancerContext.NONE);
    }
}
