package io.remora.tracing;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.ResponseFlag;

import java.net.SocketAddress;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One try's span (see {@link UpstreamSpans}): what the router learns of the try as it runs, and
 * the span sent when the try ends, as Envoy's UpstreamRequest tags its child span.
 */
public final class UpstreamSpan {
    private final UpstreamSpans owner;
    final String spanId;
    final String parentSpanId;
    final String name;
    final FinishedSpan.Kind kind;
    final boolean shared;
    final long startEpochNanos;
    final Map<String, String> tags = new LinkedHashMap<>();
    final EnumSet<ResponseFlag> flags = EnumSet.noneOf(ResponseFlag.class);
    String cluster;
    String observabilityName;
    Http2Headers headers;
    int status;
    String protocol;
    SocketAddress host;
    private boolean finished;

    UpstreamSpan(UpstreamSpans owner, String spanId, String parentSpanId, String name, FinishedSpan.Kind kind,
                 boolean shared, long startEpochNanos) {
        this.owner = owner;
        this.spanId = spanId;
        this.parentSpanId = parentSpanId;
        this.name = name;
        this.kind = kind;
        this.shared = shared;
        this.startEpochNanos = startEpochNanos;
    }

    /** The response's headers, after the try's upstream filters: its status and any gRPC status. */
    public void responseHeaders(Http2Headers h, int status) {
        this.status = status;
        GrpcSpanTags.response(h, tags);
    }

    public void responseTrailers(Http2Headers t) {
        GrpcSpanTags.response(t, tags);
    }

    /** The try's stream was reset or never connected: Envoy's {@code error} and {@code error.reason}. */
    public void reset(String reason, ResponseFlag flag) {
        tags.put("error", "true");
        tags.put("error.reason", reason);
        flags.add(flag);
    }

    /** A per-try (idle) timeout ended the try. */
    public void flag(ResponseFlag flag) {
        flags.add(flag);
    }

    /** The router gave the try up before it was done both ways (retry, timeout, hedge, the downstream gone). */
    public void canceled() {
        tags.put("canceled", "true");
    }

    /**
     * The try is over; once only.
     *
     * @param protocol the upstream stream's protocol, null when none was had
     * @param host     the try's host
     */
    public void finish(String protocol, SocketAddress host) {
        if (finished) {
            return;
        }
        finished = true;
        this.protocol = protocol;
        this.host = host;
        owner.finish(this);
    }
}
