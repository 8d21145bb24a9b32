package io.remora.e2e;

import io.envoyproxy.envoy.service.load_stats.v3.LoadReportingServiceGrpc;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsRequest;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsResponse;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A grpc-java LoadReportingService answering a stream's first request with {@code response} and
 * recording every request: on a server of its own ({@link #start}) or offered by another
 * ({@link #service}, e.g. the xDS server's).
 */
public final class LoadReportingServer implements AutoCloseable {
    public final List<LoadStatsRequest> requests = new CopyOnWriteArrayList<>();
    private final LoadStatsResponse response;
    private Server server;

    public LoadReportingServer(LoadStatsResponse response) {
        this.response = response;
    }

    public BindableService service() {
        return new LoadReportingServiceGrpc.LoadReportingServiceImplBase() {
            @Override
            public StreamObserver<LoadStatsRequest> streamLoadStats(StreamObserver<LoadStatsResponse> out) {
                return new StreamObserver<>() {
                    @Override
                    public void onNext(LoadStatsRequest r) {
                        if (requests.isEmpty()) {
                            out.onNext(response);
                        }
                        requests.add(r);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        out.onCompleted();
                    }
                };
            }
        };
    }

    /** Serves on a loopback port of its own. */
    public LoadReportingServer start() throws java.io.IOException {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service()).build().start();
        return this;
    }

    public int port() {
        return server.getPort();
    }

    /** Waits until {@code n} more requests than {@code seen} arrived; returns the new count. */
    public int awaitMore(int seen, int n) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (requests.size() < seen + n && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(requests.size() >= seen + n, "LRS requests: " + requests);
        return requests.size();
    }

    @Override
    public void close() {
        if (server != null) {
            server.shutdownNow();
        }
    }
}
