package io.remora.extensions.filters.network.thrift_proxy;

import io.netty.buffer.ByteBuf;
import io.remora.upstream.Cluster;
import io.remora.upstream.Host;
import io.remora.upstream.LoadBalancerContext;

/**
 * A route's {@code request_mirror_policies}: a copy of the request to each enabled cluster, its
 * reply read and dropped (Envoy's ShadowWriter). A copy that cannot be sent is counted in
 * {@code shadow_request_submit_failure} and changes nothing for the request itself.
 */
final class ThriftMirrors {

    private ThriftMirrors() {
    }

    static void submit(ThriftDownstream down, ThriftRoute route, ThriftMessage request, String name) {
        if (route.mirrors().isEmpty()) {
            return;
        }
        ThriftProxyFilter f = down.filter;
        for (ThriftRoute.Mirror m : route.mirrors()) {
            if (m.fraction() != null && !f.context.runtime().featureEnabled(m.runtimeKey(), m.fraction())) {
                continue;
            }
            Cluster cluster = f.context.clusterManager().get(m.cluster());
            Cluster picked = cluster == null ? null : cluster.pickCluster(LoadBalancerContext.NONE);
            Host host = picked == null ? null : picked.chooseHost(LoadBalancerContext.NONE);
            if (host == null) {
                f.stats.shadowRequestSubmitFailure.increment();
                continue;
            }
            ThriftClusterStats cs = f.clusterStats(picked);
            (request.type == ThriftMessage.ONEWAY ? cs.rqOneway : request.type == ThriftMessage.CALL ? cs.rqCall
                    : cs.rqInvalidType).increment();
            new Shadow(down, request, name).start(f, picked, ThriftRpc.key(picked, host, down));
        }
    }

    /** One mirrored copy: its own body reference until written, its reply dropped. */
    private static final class Shadow implements ThriftUpstreamPool.Callbacks, ThriftUpstreamConnection.Owner {
        private final ThriftDownstream down;
        private final ThriftMessage request;
        private final String name;
        private final ByteBuf body;
        private ThriftUpstreamConnection connection;

        Shadow(ThriftDownstream down, ThriftMessage request, String name) {
            this.down = down;
            this.request = request;
            this.name = name;
            this.body = request.body.retainedDuplicate();
        }

        void start(ThriftProxyFilter f, Cluster cluster, ThriftUpstreamPool.Key key) {
            f.pool.acquire(down.channel().eventLoop(), cluster, key, this);
        }

        @Override
        public void onPoolReady(ThriftUpstreamConnection c) {
            connection = c;
            ByteBuf out = c.channel().alloc().buffer(body.readableBytes() + 64);
            try {
                ThriftFrameEncoder.encode(out, c.key().transport(), c.writer, ThriftCodec.of(request.protocol),
                        name, request.type, c.nextSequenceId(), body, request.headers);
            } catch (RuntimeException e) {
                out.release();
                c.release();
                return;
            } finally {
                body.release();
            }
            if (request.type != ThriftMessage.CALL) {
                c.send(out, null);
                c.release();
            } else {
                c.send(out, this);
            }
        }

        @Override
        public void onPoolFailure(ThriftClusterStats.Failure reason, Throwable cause) {
            body.release();
        }

        @Override
        public void onResponse(ThriftMessage response, ThriftFrameDecoder decoder) {
            connection.release();
        }

        @Override
        public void onResponseError(String what) {
        }

        @Override
        public void onUpstreamClosed(boolean started) {
        }
    }
}
