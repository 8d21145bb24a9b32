package io.remora.extensions.filters.http.rbac;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.config.RouteFilterConfig;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamDecoderFilter;
import io.remora.network.FilterState;
import io.remora.rbac.PeerIdentity;
import io.remora.rbac.RbacAuditLog;
import io.remora.rbac.RbacEngine;
import io.remora.rbac.RbacInput;
import io.remora.rbac.RbacRules;
import io.remora.rbac.RbacStats;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;

/**
 * Envoy's HTTP RBAC filter on one request: on the request headers, the shadow rules are checked
 * (counted, results left in dynamic metadata), then the enforced rules; a denial answers 403
 * "RBAC: access denied" with details {@code rbac_access_denied_matched_policy[<policy>|none]}.
 * A route's {@code RBACPerRoute} replaces both rule sets. Each engine with audit options writes
 * its audit line right after its decision.
 */
final class RbacFilter implements StreamDecoderFilter, RbacInput {


    private final RbacFilterProvider.Factory factory;
    private DecoderFilterCallbacks cb;
    private Http2Headers headers;

    RbacFilter(RbacFilterProvider.Factory factory) {
        this.factory = factory;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.cb = callbacks;
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        this.headers = headers;
        RbacConfig config = factory.config;
        RbacRules rules = config.rules();
        RouteFilterConfig perRoute = cb.perFilterConfig();
        if (perRoute instanceof RbacPerRouteConfig p) {
            rules = p.rules();
        }
        RbacStats stats = factory.stats(cb.connectionManagerStats().prefix());
        if (rules.shadowEngine() != null) {
            RbacEngine.Decision d = rules.shadowEngine().evaluate(this);
            RbacAuditLog.record(rules.shadowEngine(), d, this, RbacConfig.NAME);
            String prefix = config.shadowRulesStatPrefix();
            String result;
            if (d.allowed()) {
                stats.shadowAllowed.increment();
                result = RbacRules.ENGINE_RESULT_ALLOWED;
            } else {
                stats.shadowDenied.increment();
                result = RbacRules.ENGINE_RESULT_DENIED;
            }
            if (d.policyId() != null) {
                cb.streamInfo().setDynamicMetadata(RbacConfig.NAME, prefix + RbacRules.SHADOW_EFFECTIVE_POLICY_ID,
                        d.policyId());
            }
            cb.streamInfo().setDynamicMetadata(RbacConfig.NAME, prefix + RbacRules.SHADOW_ENGINE_RESULT, result);
        }
        RbacEngine engine = rules.engine();
        if (engine == null) {
            return FilterStatus.CONTINUE;
        }
        RbacEngine.Decision d = engine.evaluate(this);
        RbacAuditLog.record(engine, d, this, RbacConfig.NAME);
        if (d.logHint() != null) {
            cb.streamInfo().setDynamicMetadata(RbacRules.COMMON_NAMESPACE, RbacRules.ACCESS_LOG_HINT, d.logHint());
        }
        String prefix = config.rulesStatPrefix();
        if (d.policyId() != null) {
            cb.streamInfo().setDynamicMetadata(RbacConfig.NAME, prefix + RbacRules.ENFORCED_EFFECTIVE_POLICY_ID,
                    d.policyId());
        }
        cb.streamInfo().setDynamicMetadata(RbacConfig.NAME, prefix + RbacRules.ENFORCED_ENGINE_RESULT,
                d.allowed() ? RbacRules.ENGINE_RESULT_ALLOWED : RbacRules.ENGINE_RESULT_DENIED);
        if (d.allowed()) {
            stats.allowed.increment();
            return FilterStatus.CONTINUE;
        }
        stats.denied.increment();
        cb.sendLocalReply(403, "RBAC: access denied", null, RbacRules.deniedDetails(d.policyId()));
        return FilterStatus.STOP_ITERATION;
    }

    // ------------------------------------------------------------------ RbacInput

    @Override
    public Http2Headers headers() {
        return headers;
    }

    @Override
    public SocketAddress localAddress() {
        SocketAddress a = cb.streamInfo().downstreamLocalAddress;
        return a != null ? a : cb.connection().localAddress();
    }

    /** The socket's peer, even when a PROXY header named another client (Envoy's direct remote address). */
    @Override
    public SocketAddress directRemoteAddress() {
        SocketAddress a = cb.streamInfo().downstreamDirectRemoteAddress;
        return a != null ? a : cb.connection().remoteAddress();
    }

    /** The connection's remote address: a PROXY header's client, never x-forwarded-for's ({@code source_ip}). */
    @Override
    public SocketAddress sourceAddress() {
        return cb.connection().remoteAddress();
    }

    /**
     * Envoy's downstream remote address: the client the connection manager derived (from
     * {@code x-forwarded-for} as {@code use_remote_address} and {@code xff_num_trusted_hops} say),
     * else the socket peer.
     */
    @Override
    public SocketAddress remoteAddress() {
        SocketAddress a = cb.streamInfo().downstreamRemoteAddress;
        return a != null ? a : sourceAddress();
    }

    @Override
    public String requestedServerName() {
        return RbacInput.serverNameOf(cb.connection());
    }

    @Override
    public PeerIdentity peerIdentity() {
        return PeerIdentity.of(cb.connection(), cb.filterState());
    }

    @Override
    public io.remora.runtime.Runtime runtime() {
        return cb.serverContext().runtime();
    }

    @Override
    public Map<String, Map<String, Object>> dynamicMetadata() {
        return cb.streamInfo().dynamicMetadata();
    }

    @Override
    public Map<String, Map<String, Object>> routeMetadata() {
        io.remora.route.RouteEntry r = cb.route();
        return r == null ? null : r.route().metadata();
    }

    @Override
    public io.remora.accesslog.StreamInfo streamInfo() {
        return cb.streamInfo();
    }

    @Override
    public FilterState filterState() {
        return cb.filterState();
    }
}
