package io.remora.extensions.filters.http.common;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.concurrent.ScheduledFuture;
import io.remora.config.ClusterConfig.UpstreamProtocol;
import io.remora.http.upstream.Cancellable;
import io.remora.http.upstream.ConnectionPools;
import io.remora.http.upstream.ResetReason;
import io.remora.http.upstream.UpstreamCallbacks;
import io.remora.http.upstream.UpstreamStream;
import io.remora.server.ServerContext;
import io.remora.upstream.Cluster;
import io.remora.upstream.Host;
import io.remora.upstream.LoadBalancerContext;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One request/response exchange with a cluster through the worker's connection pools (the same
 * upstream path, circuit breakers and cluster stats the router uses), with an overall timeout.
 * The answer is whole: headers, body (bounded) and trailers; any failure is a null response.
 * Event-loop confined.
 */
public final class ClusterCall implements UpstreamCallbacks, Cancellable {

    /** What came back; {@code headers} is null when the exchange failed. */
    public record Response(Http2Headers headers, byte[] body, Http2Headers trailers, String failure) {
        public int status() {
            CharSequence s = headers == null ? null : headers.status();
            try {
                return s == null ? -1 : Integer.parseInt(s.toString());
            } catch (NumberFormatException e) {
                return -1;
            }
        }
    }

    /** Answers of control services are small; a larger one is a failed call rather than a memory sink. */
    private static final int MAX_BODY = 1 << 20;

    private final Cluster cluster;
    private final Host host;
    private final Http2Headers headers;
    private final byte[] body;
    private final Consumer<Response> done;
    private Cancellable pending;
    private UpstreamStream stream;
    private ScheduledFuture<?> timer;
    private Http2Headers responseHeaders;
    private final ByteArrayOutputStream responseBody = new ByteArrayOutputStream();
    private boolean finished;

    private ClusterCall(Cluster cluster, Host host, Http2Headers headers, byte[] body, Consumer<Response> done) {
        this.cluster = cluster;
        this.host = host;
        this.headers = headers;
        this.body = body;
        this.done = done;
    }

    /** Starts the exchange; {@code done} may run before this returns (no cluster, no host, overflow). */
    public static Cancellable start(EventLoop loop, ServerContext ctx, String clusterName, UpstreamProtocol protocol,
                             Http2Headers headers, byte[] body, Duration timeout, Consumer<Response> done) {
        Cluster cluster = ctx.clusterManager().get(clusterName);
        if (cluster == null) {
            done.accept(new Response(null, null, null, "cluster '" + clusterName + "' does not exist"));
            return Cancellable.NOOP;
        }
        Host host = cluster.chooseHost(LoadBalancerContext.NONE);
        if (host == null) {
            cluster.stats().upstreamCxNoneHealthy.increment();
            done.accept(new Response(null, null, null, "no healthy upstream"));
            return Cancellable.NOOP;
        }
        if (!cluster.limits().tryAcquireRequest()) {
            cluster.stats().upstreamRqPendingOverflow.increment();
            done.accept(new Response(null, null, null, "overflow"));
            return Cancellable.NOOP;
        }
        ClusterCall call = new ClusterCall(cluster, host, headers, body, done);
        cluster.stats().upstreamRqTotal.increment();
        cluster.stats().upstreamRqActive.incrementAndGet();
        host.activeRequests.incrementAndGet();
        if (timeout != null && !timeout.isZero()) {
            call.timer = loop.schedule(call::onTimeout, timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        Cancellable c = ConnectionPools.get(loop, ctx.transport(), cluster, host, protocol).newStream(call);
        if (call.stream == null && !call.finished) {
            call.pending = c;
        }
        return call;
    }

    private void onTimeout() {
        timer = null;
        if (!finished) {
            cluster.stats().upstreamRqTimeout.increment();
            abandon();
            finish(new Response(null, null, null, "timeout"));
        }
    }

    @Override
    public void cancel() {
        if (!finished) {
            abandon();
            release();
        }
    }

    private void abandon() {
        if (pending != null) {
            pending.cancel();
            pending = null;
        }
        if (stream != null) {
            cluster.stats().upstreamRqTxReset.increment();
            stream.reset();
            stream = null;
        }
    }

    private void release() {
        if (finished) {
            return;
        }
        finished = true;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        cluster.limits().requests.decrementAndGet();
        cluster.stats().upstreamRqActive.decrementAndGet();
        host.activeRequests.decrementAndGet();
    }

    private void finish(Response r) {
        if (finished) {
            return;
        }
        release();
        done.accept(r);
    }

    @Override
    public void onPoolReady(UpstreamStream s) {
        pending = null;
        if (finished) {
            s.reset();
            return;
        }
        stream = s;
        boolean hasBody = body != null && body.length > 0;
        s.writeHeaders(headers, !hasBody);
        if (hasBody) {
            s.writeData(io.netty.buffer.Unpooled.wrappedBuffer(body), true);
        }
    }

    @Override
    public void onPoolFailure(ResetReason reason, String transportFailureReason) {
        pending = null;
        if (!finished) {
            finish(new Response(null, null, null, "upstream connect failure: " + reason
                    + (transportFailureReason == null ? "" : " " + transportFailureReason)));
        }
    }

    @Override
    public void onResponseHeaders(Http2Headers h, boolean endStream) {
        if (finished) {
            return;
        }
        responseHeaders = h;
        cluster.stats().response(statusOf(h));
        if (endStream) {
            complete(null);
        }
    }

    private static int statusOf(Http2Headers h) {
        try {
            return h.status() == null ? 0 : Integer.parseInt(h.status().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    @Override
    public void onResponseData(ByteBuf data, boolean endStream) {
        try {
            if (finished) {
                return;
            }
            if (responseBody.size() + data.readableBytes() > MAX_BODY) {
                abandon();
                finish(new Response(null, null, null, "response body over " + MAX_BODY + " bytes"));
                return;
            }
            responseBody.writeBytes(ByteBufUtil.getBytes(data));
        } finally {
            data.release();
        }
        if (endStream) {
            complete(null);
        }
    }

    @Override
    public void onResponseTrailers(Http2Headers trailers) {
        if (!finished) {
            complete(trailers);
        }
    }

    private void complete(Http2Headers trailers) {
        stream = null;
        finish(new Response(responseHeaders, responseBody.toByteArray(), trailers, null));
    }

    @Override
    public void onReset(ResetReason reason) {
        stream = null;
        if (!finished) {
            cluster.stats().upstreamRqRxReset.increment();
            finish(new Response(null, null, null, "upstream reset: " + reason));
        }
    }

    @Override
    public void onWritabilityChanged(boolean writable) {
        // The request is one small write; nothing to pace.
    }
}
