package io.remora.tcp;

import io.remora.network.FilterState;
import io.remora.upstream.Host;
import io.remora.upstream.LoadBalancerContext;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.OptionalLong;

/**
 * What a tcp_proxy session shows the load balancer (hosts already tried are avoided, ORIGINAL_DST
 * gets its destination, hash_policy its key, subsets the metadata_match criteria) and a tunnel's
 * hostname and headers.
 */
final class TcpLbContext implements LoadBalancerContext, io.remora.route.HeaderFormatter.Context {

    private final TcpProxySession s;
    /** hash_policy's hash, computed once so that connect retries hash alike; null until asked. */
    private OptionalLong hashKey;

    TcpLbContext(TcpProxySession s) {
        this.s = s;
    }

    @Override
    public OptionalLong computeHashKey() {
        if (hashKey == null) {
            List<io.remora.config.HashPolicy> policies = s.filter.config.hashPolicies();
            hashKey = policies.isEmpty() ? OptionalLong.empty()
                    : io.remora.upstream.lb.RequestHash.compute(policies,
                    io.netty.handler.codec.http2.EmptyHttp2Headers.INSTANCE, s.info.remoteAddress(),
                    s.info.localAddress(), cookie -> { },
                    key -> s.downstream == null ? null : FilterState.of(s.downstream).get(key));
        }
        return hashKey;
    }

    @Override
    public boolean shouldSelectAnotherHost(Host h) {
        return s.tried.contains(h);
    }

    @Override
    public int hostSelectionRetryCount() {
        return s.tried.isEmpty() ? 0 : 8;
    }

    @Override
    public java.util.Map<String, Object> metadataMatch() {
        return s.metadataMatch;
    }

    @Override
    public InetSocketAddress originalDestination() {
        return s.info.originalDestination();
    }

    @Override
    public InetSocketAddress destinationOverride() {
        return s.downstream == null ? null : FilterState.of(s.downstream).originalDstAddress();
    }

    @Override
    public String requestedServerName() {
        return s.info.serverName();
    }

    @Override
    public Object filterState(String key) {
        return s.downstream == null ? null : FilterState.of(s.downstream).get(key);
    }

    @Override
    public io.remora.accesslog.StreamInfo streamInfo() {
        return s.streamInfo;
    }
}
