package io.remora.bench.jmh;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.StreamInfo;
import io.remora.http.HeaderBlock;
import io.remora.route.HeaderFormatter;
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

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Request header mutation ({@code RouteEntry.mutateRequestHeaders}) of an Istio-like route: two
 * overwrites (one a %DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT% formatter), one append, one removal;
 * {@code copyOnly} is the baseline cost of the fresh header copy each operation starts from.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class HeaderMutationBenchmark {
    private RouteEntry entry;
    private Http2Headers request;
    private final StreamInfo info = new StreamInfo();
    private final HeaderFormatter.Context context = () -> info;

    @Setup
    public void setup() {
        info.downstreamRemoteAddress = new InetSocketAddress("10.1.2.3", 43210);
        info.downstreamLocalAddress = new InetSocketAddress("10.1.2.4", 15006);
        info.protocol = "HTTP/1.1";
        RouteTable table = RouteTable.compile(BenchRoutes.config(1, 10, false, BenchRoutes.istioLikeMutation()));
        request = BenchRoutes.request(BenchRoutes.domain(0), BenchRoutes.path(3));
        entry = table.route(request, 0);
        if (entry == null) {
            throw new IllegalStateException("no route");
        }
    }

    @Benchmark
    public Http2Headers copyOnly() {
        return HeaderBlock.of(request).copy(4);
    }

    @Benchmark
    public Http2Headers copyAndMutate() {
        Http2Headers h = HeaderBlock.of(request).copy(4);
        entry.mutateRequestHeaders(h, "c-3", context);
        return h;
    }
}
