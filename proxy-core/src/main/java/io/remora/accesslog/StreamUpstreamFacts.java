package io.remora.accesslog;

import java.net.SocketAddress;
import java.util.Map;

/**
 * What a stream's info knows of its upstream side (Envoy's UpstreamInfo): the cluster and host
 * used, the hosts and connections each try attempted, the upstream connection's protocol and TLS,
 * the upstream metadata. The base of {@link StreamInfo} rather than an object of its own, so a
 * stream's info stays one object.
 */
abstract class StreamUpstreamFacts extends StreamDownstreamFacts {

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
    public int attemptCount;

    /** An internal redirect's new pass: forgets the upstream the first pass used and what it learned of it. */
    void forgetUpstream() {
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
}
