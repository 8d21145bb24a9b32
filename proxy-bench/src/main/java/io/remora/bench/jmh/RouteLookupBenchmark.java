package io.remora.bench.jmh;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.HeaderMutation;
import io.remora.route.RouteEntry;
import io.remora.route.RouteTable;
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
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Route selection ({@code RouteTable.route(headers, random)}): virtual host by :authority, then
 * the first matching route, over requests spread evenly across all virtual hosts and routes.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class RouteLookupBenchmark {

    /** "1x10": 1 virtual host × 10 prefix routes; "1000x10": 1,000 × 10; "regex": 1 × 10 safe_regex routes. */
    @Param({"1x10", "1000x10", "regex"})
    public String shape;

    private static final int REQUESTS = 1024;
    private RouteTable table;
    private Http2Headers[] requests;
    private int next;

    @Setup
    public void setup() {
        int hosts = shape.equals("1000x10") ? 1000 : 1;
        boolean regex = shape.equals("regex");
        table = RouteTable.compile(BenchRoutes.config(hosts, 10, regex, HeaderMutation.NONE));
        SplittableRandom rnd = new SplittableRandom(42);
        requests = new Http2Headers[REQUESTS];
        for (int i = 0; i < REQUESTS; i++) {
            requests[i] = BenchRoutes.request(BenchRoutes.domain(rnd.nextInt(hosts)), BenchRoutes.path(rnd.nextInt(10)));
        }
        if (table.route(requests[0], 0) == null) {
            throw new IllegalStateException("benchmark request does not match a route");
        }
    }

    @Benchmark
    public RouteEntry route() {
        Http2Headers h = requests[next++ & (REQUESTS - 1)];
        return table.route(h, next);
    }
}
