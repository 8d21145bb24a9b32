package io.remora.accesslog;

import java.net.SocketAddress;
import java.util.Map;

/**
 * What a stream's info knows of its downstream connection: the addresses, the connection's id and
 * the listener's view of it (SNI, filter chain, TLS, listener metadata), and the stream's own id
 * for debug lines. The base of {@link StreamInfo} rather than an object of its own, so a stream's
 * info stays one object.
 */
abstract class StreamDownstreamFacts extends StreamNotes {

    /** The client as the connection manager trusts it: the socket peer, or from x-forwarded-for (port 0). */
    public SocketAddress downstreamRemoteAddress;
    /** The socket peer, whatever x-forwarded-for says. */
    public SocketAddress downstreamDirectRemoteAddress;
    public SocketAddress downstreamLocalAddress;
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
     * {@code %DOWNSTREAM_DIRECT_LOCAL_ADDRESS%}: the socket's own local address, when it is not
     * {@link #downstreamLocalAddress} (an original destination or a PROXY header restored that one).
     */
    public SocketAddress downstreamDirectLocalAddress() {
        SocketAddress a = seldom == null ? null : seldom.downstreamDirectLocalAddress;
        return a != null ? a : downstreamLocalAddress;
    }

    /** Records the socket's local address only when it differs from {@link #downstreamLocalAddress}. */
    public void downstreamDirectLocalAddress(SocketAddress a) {
        if (a != null && a != downstreamLocalAddress && !a.equals(downstreamLocalAddress) || seldom != null) {
            seldom().downstreamDirectLocalAddress = a;
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

    Map<String, Map<String, Object>> listenerMetadata() {
        if (connection != null && !connection.listenerMetadata().isEmpty()) {
            return connection.listenerMetadata();
        }
        return seldom == null ? null : seldom.listenerMetadata;
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

    /**
     * Envoy's tcp_proxy and udp_proxy give their connection or session a random UUID as its stream id
     * provider ({@code %STREAM_ID%}, and what {@code runtime_filter} samples by); an HTTP stream's is
     * its x-request-id. Made from the thread's random, not SecureRandom: it is an id, not a secret.
     */
    public void newConnectionStreamId() {
        java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
        seldom().connectionStreamId = new java.util.UUID(r.nextLong() & ~0xF000L | 0x4000L,
                r.nextLong() & ~(3L << 62) | 1L << 63).toString();
    }

    /** The UUID {@link #newConnectionStreamId} made, or null. */
    public String connectionStreamId() {
        return seldom == null ? null : seldom.connectionStreamId;
    }

    /** The prefix of this stream's debug lines: {@code [Tags: "ConnectionId":"5","StreamId":"…"] }. */
    public String logTags() {
        return io.remora.log.LogTags.stream(connectionId, streamId());
    }
}
