package io.remora.bench.jmh;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.route.RouteEntry;
import io.remora.route.RouteTable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/** Weighted-cluster pick ({@code RouteEntry.pickCluster}) over a 50/30/20 split of three clusters. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class WeightedClusterBenchmark {
    private RouteEntry entry;
    private Http2Headers request;
    private long random = 0x9E3779B97F4A7C15L;

    @Setup
    public void setup() {
        request = BenchRoutes.request("reviews", "/reviews/1");
        entry = RouteTable.compile(BenchRoutes.weighted()).route(request, 0);
        if (entry == null) {
            throw new IllegalStateException("no route");
        }
    }

    @Benchmark
    public String pickCluster() {
        // xorshift: a cheap, non-constant random per pick, as the router would draw one.
        long x = random;
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        random = x;
        return entry.pickCluster(request, x & Long.MAX_VALUE);
    }
}
