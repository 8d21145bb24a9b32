package io.remora.accesslog;

import io.netty.handler.codec.http2.Http2Headers;

import java.util.EnumSet;
import java.util.Map;

/**
 * What one request (HTTP) or one connection (TCP) did, filled in as it proceeds and handed to
 * the access loggers at its end: its response, flags, durations and byte meters here, what it
 * knows of its downstream and upstream sides in its bases. Owned by one event loop; not
 * thread-safe by design.
 */
public final class StreamInfo extends StreamUpstreamFacts implements FormatContext {

    /** Envoy's start_time: set once more by {@link #startedAt} before anything reads it, never after. */
    public long startMillis = System.currentTimeMillis();
    public long startNanos = System.nanoTime();
    /** The response flags set, one bit per ResponseFlag ordinal (fewer than 64): no set object per stream. */
    private long flagBits;
    /** The order the flags were set in ({@link ResponseFlagSet#appended}), as Envoy prints them. */
    private long flagOrder;

    /** "HTTP/1.0", "HTTP/1.1", "HTTP/2"; null for TCP. */
    public String protocol;
    public String routeName;
    /**
     * The request's headers as received (after Envoy's request header processing), for
     * {@code %REQ(x)%} on any header; null for TCP. When null, %REQ% falls back to the request line kept.
     */
    public Http2Headers requestHeaders;
    /** Response headers sent downstream ({@code %RESP(x)%}), or null. */
    public Http2Headers responseHeaders;
    /** Response trailers sent downstream ({@code %TRAILER(x)%}), or null. */
    public Http2Headers responseTrailers;
    public long bytesReceived;
    public long bytesSent;
    /** 0 until a response starts (or when none was sent). */
    public int responseCode;
    /** Envoy's {@code %RESPONSE_CODE_DETAILS%}, e.g. via_upstream, route_not_found. */
    public String responseCodeDetails;

    /** Nanos from start to the last byte sent downstream; -1 until done. */
    public long durationNanos = -1;

    /**
     * An internal redirect runs the request again (Envoy's recreateStream makes a new stream info and
     * copies only the downstream's facts into it): forgets what the first pass learned of its
     * upstream and response. Filter state stays, as Envoy keeps request-scoped objects.
     */
    public void restartForInternalRedirect() {
        flagBits = 0;
        flagOrder = 0;
        responseCode = 0;
        responseCodeDetails = null;
        responseHeaders = null;
        forgetUpstream();
        WireBytes w = wireBytesIfAny();
        if (w != null) {
            // Envoy's new stream info has a new upstream meter; the downstream one is the codec's still.
            w.upstreamWireSent = w.upstreamWireReceived = w.upstreamHeaderSent = w.upstreamHeaderReceived = 0;
            w.unmeteredUpstream = false;
        }
    }

    /** The stream's byte meters, made on first use, once some format reads them ({@link WireBytes#wanted()}); null before. */
    public WireBytes wireBytes() {
        if (!WireBytes.wanted()) {
            return null;
        }
        StreamInfoSeldom x = seldom();
        if (x.wireBytes == null) {
            x.wireBytes = new WireBytes();
        }
        return x.wireBytes;
    }

    /** The meters if a codec counted anything; null otherwise (the operators print 0, as Envoy's empty meters). */
    public WireBytes wireBytesIfAny() {
        return seldom == null ? null : seldom.wireBytes;
    }

    /** An upstream log's info reads its stream's meters, as Envoy's upstream info shares both of its parent's. */
    public void shareWireBytes(StreamInfo parent) {
        WireBytes w = parent.wireBytes();
        if (w != null) {
            seldom().wireBytes = w;
        }
    }

    /** Records the moment {@code p} now when some access log reads durations; nothing otherwise. */
    public void mark(StreamTimings.Point p) {
        if (StreamTimings.wanted()) {
            StreamInfoSeldom x = seldom();
            if (x.timings == null) {
                x.timings = new StreamTimings();
            }
            x.timings.mark(p, System.nanoTime());
        }
    }

    /** A new upstream try begins: its upstream moments replace the last try's. */
    public void restartUpstreamTimings() {
        if (seldom != null && seldom.timings != null) {
            seldom.timings.restartUpstream();
        }
    }

    /**
     * Nanos from the stream's start to {@code p}, or -1 when not recorded; as
     * {@code upstreamServiceTimeNanos} for the first upstream response byte.
     */
    public long sinceStart(StreamTimings.Point p) {
        StreamTimings t = seldom == null ? null : seldom.timings;
        long at = t == null ? Long.MIN_VALUE : t.at(p);
        return StreamTimings.recorded(at) ? at - startNanos : -1;
    }

    /**
     * This info is a whole downstream connection's, as Envoy's connection StreamInfo (tcp_proxy's and
     * the listener's access logs): it has the connection's TLS handshake time, an HTTP stream's has not.
     */
    public void describesConnection() {
        seldom().describesConnection = true;
    }

    /**
     * {@code %DOWNSTREAM_HANDSHAKE_DURATION%}: nanos from the start to the end of the downstream TLS
     * handshake; -1 without one, or on an HTTP stream's info (Envoy sets it on the connection's only).
     */
    public long downstreamHandshakeNanos() {
        io.remora.tls.TlsConnection tls = seldom != null && seldom.describesConnection ? downstreamTls() : null;
        long at = tls == null ? Long.MIN_VALUE : tls.handshakeCompleteNanos();
        return at == Long.MIN_VALUE || at < startNanos ? -1 : at - startNanos;
    }

    /**
     * The value at {@code path} (keys, outermost first; empty for the whole namespace) in
     * namespace {@code ns} of {@code source}'s metadata: a String, Boolean, Double, List or Map,
     * or null when a namespace or key is missing. The listener's metadata is not kept.
     */
    public Object metadata(io.remora.config.MetadataSource source, String ns, java.util.List<String> path) {
        Object v = switch (source) {
            case DYNAMIC -> dynamicMetadata(ns);
            case UPSTREAM_HOST -> upstreamHostMetadata == null ? null : upstreamHostMetadata.apply(ns);
            case CLUSTER -> upstreamClusterMetadata == null ? null : upstreamClusterMetadata.get(ns);
            case ROUTE -> seldom == null || seldom.routeMetadata == null ? null : seldom.routeMetadata.get(ns);
            case VIRTUAL_HOST -> seldom == null || seldom.virtualHostMetadata == null ? null
                    : seldom.virtualHostMetadata.get(ns);
            case LISTENER -> {
                Map<String, Map<String, Object>> m = listenerMetadata();
                yield m == null ? null : m.get(ns);
            }
        };
        if (v instanceof Map<?, ?> m && m.isEmpty()) {
            return null;
        }
        for (int k = 0; k < path.size() && v != null; k++) {
            v = v instanceof Map<?, ?> m ? m.get(path.get(k)) : null;
        }
        return v;
    }

    public void setFlag(ResponseFlag f) {
        flagOrder = ResponseFlagSet.appended(flagOrder, flagBits, f);
        flagBits = ResponseFlagSet.with(flagBits, f);
    }

    /** Whether any response flag is set. */
    public boolean hasAnyFlag() {
        return flagBits != 0;
    }

    public boolean hasFlag(ResponseFlag f) {
        return ResponseFlagSet.has(flagBits, f);
    }

    /** The flags set (a new set each call, in declaration order). */
    public EnumSet<ResponseFlag> flags() {
        return ResponseFlagSet.toSet(flagBits);
    }

    /** {@code %RESPONSE_FLAGS%}: the short codes joined by ',' in the order they were set, or "-" when none. */
    public String responseFlagsString() {
        return ResponseFlagSet.codes(flagBits, flagOrder);
    }

    /** {@code %RESPONSE_FLAGS_LONG%}: Envoy's long names joined by ',' in that order, or "-" when none. */
    public String responseFlagsLongString() {
        return ResponseFlagSet.longNames(flagBits, flagOrder);
    }

    /**
     * Envoy's stream id provider's text ({@code %STREAM_ID%}, the gRPC access logs' stream_id): an
     * HTTP stream's x-request-id, a tcp_proxy connection's or udp_proxy session's UUID, or null.
     */
    public String streamIdText() {
        if (requestId() != null) {
            return requestId();
        }
        CharSequence header = requestHeaders == null ? null : requestHeaders.get("x-request-id");
        return header != null ? header.toString() : connectionStreamId();
    }

    @Override
    public StreamInfo streamInfo() {
        return this;
    }

    @Override
    public Http2Headers requestHeaders() {
        return requestHeaders;
    }

    @Override
    public Http2Headers responseHeaders() {
        return responseHeaders;
    }

    @Override
    public Http2Headers responseTrailers() {
        return responseTrailers;
    }

    /**
     * The stream began before this info was made, at {@code nanos} (a request's first byte, where
     * Envoy's codec makes the stream): its start time and every duration counted from it move back.
     */
    public void startedAt(long nanos) {
        long earlier = startNanos - nanos;
        if (earlier > 0) {
            startNanos = nanos;
            startMillis -= java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(earlier);
        }
    }

    public void finish() {
        if (durationNanos < 0) {
            durationNanos = System.nanoTime() - startNanos;
        }
    }
}
