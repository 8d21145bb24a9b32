package io.remora.extensions.filters.network.thrift_proxy;

import io.netty.buffer.ByteBuf;
import io.remora.upstream.Cluster;
import io.remora.upstream.Host;
import io.remora.upstream.LoadBalancerContext;

import java.util.Map;

/**
 * One request through Envoy's thrift router: route, cluster, host, a pooled connection, the
 * request re-encoded with that connection's sequence id, and the reply sent back with the
 * downstream's. Local replies carry Envoy's messages and exception types.
 */
final class ThriftRpc implements ThriftUpstreamPool.Callbacks, ThriftUpstreamConnection.Owner, LoadBalancerContext {

    private final ThriftDownstream down;
    private final ThriftMessage request;
    private Map<String, Object> metadataMatch;
    private String upstreamName;
    private String clusterName;
    private ThriftClusterStats clusterStats;
    private Host host;
    private ThriftUpstreamConnection connection;
    private boolean finished;
    private boolean passthrough;
    /** The request's stream info (filters' metadata, access logs), or null when neither is configured. */
    private final io.remora.accesslog.StreamInfo info;

    ThriftRpc(ThriftDownstream down, ThriftMessage request, io.remora.accesslog.StreamInfo info) {
        this.down = down;
        this.request = request;
        this.info = info;
    }

    void start() {
        ThriftProxyFilter f = down.filter;
        ThriftRouteMatcher.Target target = f.routes.route(request);
        if (target == null) {
            f.stats.routeMissing.increment();
            fail(ThriftLocalReply.UNKNOWN_METHOD, "no route for method '" + request.name + "'", closeOnError());
            return;
        }
        clusterName = target.cluster();
        metadataMatch = target.metadataMatch();
        Cluster cluster = f.context.clusterManager().get(clusterName);
        if (info != null) {
            info.upstreamCluster(clusterName, cluster == null ? null : cluster.config());
        }
        if (cluster == null) {
            f.stats.unknownCluster.increment();
            fail(ThriftLocalReply.INTERNAL_ERROR, "unknown cluster '" + clusterName + "'", closeOnError());
            return;
        }
        clusterStats = f.clusterStats(cluster);
        switch (request.type) {
            case ThriftMessage.CALL -> clusterStats.rqCall.increment();
            case ThriftMessage.ONEWAY -> clusterStats.rqOneway.increment();
            default -> clusterStats.rqInvalidType.increment();
        }
        upstreamName = strippedName(target.route());
        ThriftMirrors.submit(down, target.route(), request, upstreamName);
        Cluster picked = cluster.pickCluster(this);
        host = picked == null ? null : picked.chooseHost(this);
        if (host == null) {
            f.stats.noHealthyUpstream.increment();
            cluster.stats().upstreamCxNoneHealthy.increment();
            if (request.type == ThriftMessage.CALL) {
                clusterStats.localException();
            }
            fail(ThriftLocalReply.INTERNAL_ERROR, "no healthy upstream for '" + clusterName + "'", closeOnError());
            return;
        }
        if (info != null) {
            info.upstreamHost = host.address();
        }
        f.pool.acquire(down.channel().eventLoop(), picked, key(picked, host, down), this);
    }

    /** The cluster's ThriftProtocolOptions, else the downstream's transport and protocol. */
    static ThriftUpstreamPool.Key key(Cluster cluster, Host host, ThriftDownstream down) {
        Object o = cluster.config().extensionProtocolOptions().get(ThriftProxyConfig.NAME);
        ThriftProxyConfig.Transport t = down.transport();
        ThriftProxyConfig.Protocol p = down.protocol();
        if (o instanceof ThriftProxyConfig.UpstreamOptions opts) {
            if (opts.transport() != ThriftProxyConfig.Transport.AUTO) {
                t = opts.transport();
            }
            if (opts.protocol() != ThriftProxyConfig.Protocol.AUTO) {
                p = opts.protocol();
            }
        }
        return new ThriftUpstreamPool.Key(host, t, p);
    }

    private String strippedName(ThriftRoute route) {
        if (route.stripServiceName()) {
            int colon = request.name.indexOf(':');
            if (colon >= 0) {
                return request.name.substring(colon + 1);
            }
        }
        return request.name;
    }

    private boolean closeOnError() {
        return down.filter.config.closeDownstreamOnUpstreamError();
    }

    private void fail(int exceptionType, String message, boolean close) {
        if (finished) {
            return;
        }
        int written = down.localReply(request.name, request.seqId, request.type, exceptionType, message, close);
        if (info != null) {
            info.bytesSent = written;
        }
        finish();
    }

    private void finish() {
        if (!finished) {
            finished = true;
            request.release();
            down.done(this);
            log();
        }
    }

    /** One access log entry per request, when it is done (Envoy logs each RPC as it is destroyed). */
    private void log() {
        if (info != null && down.filter.accessLogs.length > 0) {
            info.finish();
            io.remora.accesslog.AccessLogs.emit(down.filter.accessLogs, info, io.remora.config.AccessLogType.NOT_SET);
        }
    }

    @Override
    public void onPoolReady(ThriftUpstreamConnection c) {
        if (finished) {
            c.release();
            return;
        }
        connection = c;
        ThriftUpstreamPool.Key key = c.key();
        ByteBuf out = c.channel().alloc().buffer(request.body.readableBytes() + 64);
        try {
            ThriftFrameEncoder.encode(out, key.transport(), c.writer, down.requestCodec(),
                    upstreamName, request.type, c.nextSequenceId(),
                    request.body, request.headers);
        } catch (RuntimeException e) {
            out.release();
            c.release();
            fail(ThriftLocalReply.PROTOCOL_ERROR, String.valueOf(e.getMessage()), true);
            return;
        }
        request.release(); // encoded: the downstream's bytes are not needed any more
        passthrough = passthrough(key);
        if (passthrough) {
            down.filter.stats.requestPassthrough.increment();
        }
        if (request.type != ThriftMessage.CALL) {
            // No reply is coming: the connection is free once the request is written.
            c.send(out, null);
            c.release();
            finish();
            return;
        }
        c.send(out, this);
    }

    /**
     * Envoy's passthrough: with {@code payload_passthrough}, framed or header transports on both
     * sides and one protocol, the struct is not decoded (here: it is copied as it came).
     */
    private boolean passthrough(ThriftUpstreamPool.Key key) {
        return down.filter.config.payloadPassthrough() && framing(down.transport()) && framing(key.transport())
                && key.protocol() == down.protocol();
    }

    private static boolean framing(ThriftProxyConfig.Transport t) {
        return t == ThriftProxyConfig.Transport.FRAMED || t == ThriftProxyConfig.Transport.HEADER;
    }

    @Override
    public void onPoolFailure(ThriftClusterStats.Failure reason, Throwable cause) {
        if (finished) {
            return;
        }
        clusterStats.localException(reason);
        if (reason == ThriftClusterStats.Failure.OVERFLOW) {
            fail(ThriftLocalReply.INTERNAL_ERROR, "thrift upstream request: too many connections", false);
            return;
        }
        fail(ThriftLocalReply.INTERNAL_ERROR, "connection failure before response start: " + reason.statName
                + " '" + address() + "'", closeOnError());
    }

    private String address() {
        return host.address() instanceof java.net.InetSocketAddress a
                ? a.getAddress().getHostAddress() + ":" + a.getPort() : String.valueOf(host.address());
    }

    @Override
    public void onResponse(ThriftMessage r, ThriftFrameDecoder decoder) {
        connection.release();
        connection = null;
        if (r.type == ThriftMessage.REPLY) {
            r.success = ThriftTranscoder.replySuccess(decoder.codec(), r.body);
            clusterStats.respReply.increment();
            (r.success ? clusterStats.respSuccess : clusterStats.respError).increment();
        } else if (r.type == ThriftMessage.EXCEPTION) {
            clusterStats.respException.increment();
            clusterStats.respExceptionRemote.increment();
        } else {
            clusterStats.respInvalidType.increment();
        }
        if (passthrough) {
            down.filter.stats.responsePassthrough.increment();
        }
        int written = down.response(r, decoder.codec(), request.seqId);
        if (info != null) {
            info.bytesSent = written;
        }
        finish();
    }

    @Override
    public void onResponseError(String what) {
        connection = null;
        clusterStats.respDecodingError.increment();
        down.filter.stats.responseDecodingError.increment();
        fail(ThriftLocalReply.PROTOCOL_ERROR, what, true);
    }

    @Override
    public void onUpstreamClosed(boolean started) {
        connection = null;
        if (finished) {
            return;
        }
        if (started) {
            // Envoy's underflow: the upstream ended mid-reply, so the downstream is reset, no reply.
            clusterStats.underflowResponseClose.increment();
            finish();
            down.reset();
            return;
        }
        clusterStats.localException(ThriftClusterStats.Failure.REMOTE_CONNECTION_FAILURE);
        fail(ThriftLocalReply.INTERNAL_ERROR, "connection failure before response start: remote_connection_failure '"
                + address() + "'", closeOnError());
    }

    /**
     * The downstream closed: the upstream request is abandoned. A oneway request still waiting for
     * its connection is let through, as Envoy lets one complete after a half-close.
     *
     * @return true when this request counted as active (it was reset)
     */
    boolean downstreamClosed() {
        if (finished || request.type == ThriftMessage.ONEWAY) {
            return false;
        }
        if (connection != null) {
            connection.reset();
            connection = null;
        }
        finished = true;
        request.release();
        log();
        return true;
    }

    // --- what the load balancer sees ---

    @Override
    public Map<String, Object> metadataMatch() {
        return metadataMatch;
    }
}
