package io.remora.accesslog;

import io.netty.handler.codec.http2.Http2Headers;

import java.net.SocketAddress;
import java.util.EnumSet;
import java.util.Map;

/**
 * What one request (HTTP) or one connection (TCP) did, filled in as it proceeds and handed to
 * the access loggers at its end. Owned by one event loop; not thread-safe by design.
 */
public final class StreamInfo extends StreamNotes implements FormatContext {

    public final long startMillis = System.currentTimeMillis();
    public final long startNanos = System.nanoTime();
    /** The response flags set, one bit per ResponseFlag ordinal (fewer than 64): no set object per stream. */
    private long flagBits;

    // downstream
    /** The client as the connection manager trusts it: the socket peer, or from x-forwarded-for (port 0). */
    public SocketAddress downstreamRemoteAddress;
    /** The socket peer, whatever x-forwarded-for says. */
    public SocketAddress downstreamDirectRemoteAddress;
    public SocketAddress downstreamLocalAddress;
    /** "HTTP/1.1", "HTTP/2"; null for TCP. */
    public String protocol;
    public String routeName;
    /**
     * What the listener learned of the downstream connection (SNI, filter chain name, TLS), shared
     * by its streams rather than copied into each; null when none (a connection set up without a
     * listener, e.g. in tests).
     */
    private io.remora.network.ConnectionInfo connection;
    /** {@code %CONNECTION_ID%}: the downstream connection's id (ConnectionIds), -1 when none. */
    public long connectionId = -1;
    /** Envoy's per-stream random id (debug lines' StreamId); 0 until first asked for. */
    private long streamId;
    /**
     * The request's headers as received (after Envoy's request header processing), for
     * {@code %REQ(x)%} on any header; null for TCP. When null, %REQ% falls back to the fields above.
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

    // upstream
    public String upstreamCluster;
    public SocketAddress upstreamHost;
    /** The upstream host's hostname (its endpoint's, or the DNS name it came from), or null. */
    public String upstreamHostName;
    public SocketAddress upstreamLocalAddress;
    /**
     * The upstream connection used (its id and protocol), or null: a reference, where an id and a
     * protocol of their own would make every stream info 8 bytes larger.
     */
    public UpstreamConnectionFacts upstreamConnection;
    /**
     * The metadata of the upstream host used by namespace ({@code %UPSTREAM_METADATA%}), or null;
     * read only when a log asks.
     */
    public java.util.function.Function<String, Map<String, Object>> upstreamHostMetadata;
    /** {@code %CLUSTER_METADATA%}: the upstream cluster's filter metadata by namespace, or null. */
    public Map<String, Map<String, Object>> upstreamClusterMetadata;
    /** TLS of the upstream connection used (null: plaintext or none). */
    public io.remora.tls.TlsConnection upstreamTls;
    /** Nanos from start to the first upstream response byte; -1 when none. */
    public long upstreamServiceTimeNanos = -1;
    /** Nanos from start to the last byte sent downstream; -1 until done. */
    public long durationNanos = -1;
    public int attemptCount;
    /** What few streams have; made when one of its fields is first set. */

    /**
     * An internal redirect runs the request again (Envoy's recreateStream makes a new stream info and
     * copies only the downstream's facts into it): forgets what the first pass learned of its
     * upstream and response. Filter state stays, as Envoy keeps request-scoped objects.
     */
    public void restartForInternalRedirect() {
        flagBits = 0;
        responseCode = 0;
        responseCodeDetails = null;
        responseHeaders = null;
        upstreamCluster = null;
        upstreamHost = null;
        upstreamHostName = null;
        upstreamLocalAddress = null;
        upstreamConnection = null;
        upstreamHostMetadata = null;
        upstreamClusterMetadata = null;
        upstreamTls = null;
        upstreamServiceTimeNanos = -1;
        attemptCount = 0;
        if (seldom != null) {
            seldom.upstreamTransportFailureReason = null;
            seldom.upstreamFilterState = null;
            seldom.upstreamRemoteAddress = null;
            seldom.upstreamEndpointId = null;
            seldom.attempts = null;
            clearUpstreamClose();
            WireBytes w = seldom.wireBytes;
            if (w != null) {
                // Envoy's new stream info has a new upstream meter; the downstream one is the codec's still.
                w.upstreamWireSent = w.upstreamWireReceived = w.upstreamHeaderSent = w.upstreamHeaderReceived = 0;
                w.unmeteredUpstream = false;
            }
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

    /**
     * The address the upstream connection reached when it is not {@link #upstreamHost} itself (one
     * of a host's several addresses, by happy eyeballs); null otherwise.
     */
    public SocketAddress upstreamRemoteAddress() {
        return seldom == null ? null : seldom.upstreamRemoteAddress;
    }

    public void upstreamRemoteAddress(SocketAddress a) {
        if (a != null || seldom != null) {
            seldom().upstreamRemoteAddress = a;
        }
    }

    /**
     * {@code %DOWNSTREAM_DIRECT_LOCAL_ADDRESS%}: the socket's own local address, when it is not
     * {@link #downstreamLocalAddress} (an original destination or a PROXY header restored that one).
     */
    public SocketAddress downstreamDirectLocalAddress() {
        SocketAddress a = seldom == null ? null : seldom.downstreamDirectLocalAddress;
        return a != null ? a : downstreamLocalAddress;
    }

    /** {@code %UPSTREAM_CONNECTION_ID%}: the id of the upstream connection used, -1 when none. */
    public long upstreamConnectionId() {
        return upstreamConnection == null ? -1 : upstreamConnection.connectionId();
    }

    /**
     * An attempt begins on {@code address} ({@code hostname} as the endpoint names it): the stream's
     * upstream host from now on, and one more for the attempted-hosts operators.
     */
    public void upstreamHostAttempted(SocketAddress address, String hostname) {
        UpstreamAttempts a = seldom == null ? null : seldom.attempts;
        if (a == null && upstreamHost != null) {
            a = seldom().attempts = new UpstreamAttempts();
            a.hosts.add(new UpstreamAttempts.Host(upstreamHost, upstreamHostName));
            if (upstreamConnection != null) {
                a.connectionIds.add(upstreamConnection.connectionId());
            }
        }
        if (a != null) {
            a.hosts.add(new UpstreamAttempts.Host(address, hostname));
        }
        upstreamHost = address;
        upstreamHostName = hostname;
    }

    /**
     * The attempt's host as configured: an internal address ({@code envoy_internal_address}) gives
     * its endpoint id to %UPSTREAM_REMOTE_ADDRESS_ENDPOINT_ID% (the config's string, not copied).
     */
    public void upstreamConfiguredAddress(io.remora.config.Address configured) {
        String id = configured instanceof io.remora.config.Address.Internal in && in.endpointId() != null
                && !in.endpointId().isEmpty() ? in.endpointId() : null;
        if (id != null || seldom != null) {
            seldom().upstreamEndpointId = id;
        }
    }

    /** The endpoint id of the internal address the stream's upstream host is, or null. */
    public String upstreamEndpointId() {
        return seldom == null ? null : seldom.upstreamEndpointId;
    }

    /** An attempt got {@code connection}: one more for %UPSTREAM_CONNECTION_IDS_ATTEMPTED%. */
    public void upstreamConnectionAttempted(UpstreamConnectionFacts connection) {
        UpstreamAttempts a = seldom == null ? null : seldom.attempts;
        if (a != null) {
            a.connectionIds.add(connection.connectionId());
        }
    }

    /** The hosts tried, in order; null when none was. */
    java.util.List<UpstreamAttempts.Host> upstreamHostsAttempted() {
        UpstreamAttempts a = seldom == null ? null : seldom.attempts;
        if (a != null) {
            return a.hosts;
        }
        return upstreamHost == null ? null : java.util.List.of(new UpstreamAttempts.Host(upstreamHost, upstreamHostName));
    }

    /** The upstream connections used, in order; empty when none was. */
    java.util.List<Long> upstreamConnectionIdsAttempted() {
        UpstreamAttempts a = seldom == null ? null : seldom.attempts;
        if (a != null) {
            return a.connectionIds;
        }
        return upstreamConnection == null ? java.util.List.of() : java.util.List.of(upstreamConnection.connectionId());
    }

    /** {@code %UPSTREAM_PROTOCOL%}: the upstream connection's "HTTP/1.1" or "HTTP/2"; null for none or TCP. */
    public String upstreamProtocol() {
        return upstreamConnection == null ? null : upstreamConnection.protocol();
    }

    /** Records the socket's local address only when it differs from {@link #downstreamLocalAddress}. */
    public void downstreamDirectLocalAddress(SocketAddress a) {
        if (a != null && a != downstreamLocalAddress && !a.equals(downstreamLocalAddress) || seldom != null) {
            seldom().downstreamDirectLocalAddress = a;
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

    /** Envoy's shouldSchemeMatchUpstream: the router sets :scheme to its upstream connection's. */
    public boolean schemeMatchUpstream() {
        return seldom != null && seldom.schemeMatchUpstream;
    }

    public void schemeMatchUpstream(boolean match) {
        if (match || seldom != null) {
            seldom().schemeMatchUpstream = match;
        }
    }

    /**
     * The listener's filter metadata for an info that has no connection view yet (a listener log
     * entry of a connection no filter chain took); the connection's view carries it otherwise.
     */
    public void listenerMetadata(Map<String, Map<String, Object>> metadata) {
        if (metadata != null && !metadata.isEmpty()) {
            seldom().listenerMetadata = metadata;
        }
    }

    private Map<String, Map<String, Object>> listenerMetadata() {
        if (connection != null && !connection.listenerMetadata().isEmpty()) {
            return connection.listenerMetadata();
        }
        return seldom == null ? null : seldom.listenerMetadata;
    }

    /**
     * The stream's upstream cluster: its name ({@link #upstreamCluster}, {@code %UPSTREAM_CLUSTER_RAW%}) and, when
     * the cluster has an {@code alt_stat_name}, that observability name for {@code %UPSTREAM_CLUSTER%}, as Envoy's.
     * {@code config} may be null (no such cluster): only the name is known.
     */
    public void upstreamCluster(String name, io.remora.config.ClusterConfig config) {
        upstreamCluster = name;
        String alt = config == null ? null : config.altStatName();
        if (alt != null || seldom != null) {
            seldom().upstreamClusterStatName = alt;
        }
    }

    /** {@code %UPSTREAM_CLUSTER%}: the cluster's alt_stat_name when it has one, else its name; null when none. */
    public String upstreamClusterObservabilityName() {
        String alt = seldom == null ? null : seldom.upstreamClusterStatName;
        return alt != null ? alt : upstreamCluster;
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

    /**
     * What the connection knows (id, SNI, filter chain, TLS), for this stream's info.
     * {@code info} may be null (connections set up without a listener, e.g. in tests).
     */
    public void fromConnection(io.remora.network.ConnectionInfo info, io.netty.channel.Channel channel) {
        connectionId = io.remora.network.ConnectionIds.of(info, channel);
        connection = info;
    }

    /** SNI of the downstream TLS connection ({@code %REQUESTED_SERVER_NAME%}), or null. */
    public String requestedServerName() {
        return connection == null ? null : connection.serverName();
    }

    /** {@code %FILTER_CHAIN_NAME%}: the name of the filter chain the connection took, or null. */
    public String filterChainName() {
        return connection == null ? null : connection.filterChainName();
    }

    /** {@code %TLS_JA3_FINGERPRINT%}: the JA3 hash tls_inspector made of the connection's hello, or null. */
    public String ja3Hash() {
        return connection == null ? null : connection.ja3Hash();
    }

    /** TLS of the downstream connection (null: plaintext), for the TLS operators and filters. */
    public io.remora.tls.TlsConnection downstreamTls() {
        return connection == null ? null : connection.tls();
    }

    /** Sets the SNI (a stream info made without the listener's view, or a test): a copy of the connection's view. */
    public void requestedServerName(String sni) {
        connection = ConnectionInfoCopies.withServerName(connection, sni);
    }

    /** Sets the filter chain name (a test): a copy of the connection's view. */
    public void filterChainName(String name) {
        connection = ConnectionInfoCopies.withFilterChainName(connection, name);
    }

    /** The stream's random 64-bit id (never 0), made on first use: debug lines print it unsigned. */
    public long streamId() {
        long id = streamId;
        while (id == 0) {
            id = java.util.concurrent.ThreadLocalRandom.current().nextLong();
        }
        streamId = id;
        return id;
    }

    /** The prefix of this stream's debug lines: {@code [Tags: "ConnectionId":"5","StreamId":"…"] }. */
    public String logTags() {
        return io.remora.log.LogTags.stream(connectionId, streamId());
    }

    public void setFlag(ResponseFlag f) {
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

    /** {@code %RESPONSE_FLAGS%}: the short codes joined by ',' (in declaration order) or "-" when none. */
    public String responseFlagsString() {
        return ResponseFlagSet.codes(flagBits);
    }

    /** {@code %RESPONSE_FLAGS_LONG%}: Envoy's long names joined by ',' or "-" when none. */
    public String responseFlagsLongString() {
        return ResponseFlagSet.longNames(flagBits);
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

    public void finish() {
        if (durationNanos < 0) {
            durationNanos = System.nanoTime() - startNanos;
        }
    }
}
