package io.remora.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.remora.config.HttpFilterEntry;
import io.remora.config.ClusterSpecifier;
import io.remora.config.HeaderMutation;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.Route;
import io.remora.config.RouteConfiguration;
import io.remora.config.RouteMatch;
import io.remora.config.VirtualHost;
import io.remora.http.HttpConnectionManagerFactory;
import io.remora.network.ConnectionInfo;
import io.remora.network.NetworkFilter;
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

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP/1.1 keep-alive request and its response through the connection manager's handlers on
 * an EmbeddedChannel (codec, stream, route lookup, filter chain, Envoy's headers; no sockets),
 * answered by a local terminal filter in the router's place.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class HcmPipelineBenchmark {

    /** Envoy's default generate_request_id (true) draws a UUID per request; false skips it. */
    @Param({"true", "false"})
    public boolean generateRequestId;

    private EmbeddedChannel channel;
    private ByteBuf request;

    @Setup
    public void setup() {
        Route route = new Route("all", new RouteMatch(new RouteMatch.Prefix("/"), true, List.of(), List.of(), false,
                null), BenchRoutes.forward(new ClusterSpecifier.Single("local")), HeaderMutation.NONE, HeaderMutation.NONE);
        VirtualHost vh = new VirtualHost("any", List.of("*"), List.of(route), HeaderMutation.NONE,
                HeaderMutation.NONE, null, false, VirtualHost.TlsRequirement.NONE);
        RouteConfiguration rc = new RouteConfiguration("bench", List.of(vh), HeaderMutation.NONE, HeaderMutation.NONE,
                List.of(), 4096);
        HttpConnectionManagerConfig config = HttpConnectionManagerConfig.builder("bench").codecType(HttpConnectionManagerConfig.CodecType.HTTP1)
                .routeConfig(rc).httpFilters(List.of(HttpFilterEntry.of(new LocalReplyFilter.Config())))
                .generateRequestId(generateRequestId).build();
        NetworkFilter hcm = new HttpConnectionManagerFactory(List.of(new LocalReplyFilter.Provider()))
                .create(config, new BenchServerContext());
        channel = new EmbeddedChannel();
        hcm.onAccept(channel, new ConnectionInfo("bench", new InetSocketAddress("127.0.0.1", 10000),
                new InetSocketAddress("127.0.0.1", 40000), null, null, "raw_buffer", List.of()));
        request = Unpooled.unreleasableBuffer(Unpooled.directBuffer().writeBytes((
                "GET /api/v1/items/42 HTTP/1.1\r\nHost: bench.example.com\r\nUser-Agent: bench/1.0\r\n"
                        + "Accept: */*\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
        String first = roundTripText();
        if (!first.startsWith("HTTP/1.1 200")) {
            throw new IllegalStateException("unexpected response: " + first);
        }
    }

    @TearDown
    public void tearDown() {
        channel.finishAndReleaseAll();
    }

    private String roundTripText() {
        channel.writeInbound(request.duplicate());
        channel.runPendingTasks();
        StringBuilder sb = new StringBuilder();
        Object o;
        while ((o = channel.readOutbound()) != null) {
            if (o instanceof ByteBuf b) {
                sb.append(b.toString(StandardCharsets.US_ASCII));
            }
            ReferenceCountUtil.release(o);
        }
        return sb.toString();
    }

    @Benchmark
    public int requestResponse() {
        channel.writeInbound(request.duplicate());
        int bytes = 0;
        Object o;
        while ((o = channel.readOutbound()) != null) {
            if (o instanceof ByteBuf b) {
                bytes += b.readableBytes();
            }
            ReferenceCountUtil.release(o);
        }
        return bytes;
    }
}
