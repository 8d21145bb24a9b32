package io.remora.extensions.filters.network.rbac;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.EmptyHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.concurrent.ScheduledFuture;
import io.remora.network.ConnectionFilter;
import io.remora.network.ConnectionFilterCallbacks;
import io.remora.network.FilterState;
import io.remora.network.NetworkFilterStatus;
import io.remora.rbac.PeerIdentity;
import io.remora.rbac.RbacAuditLog;
import io.remora.rbac.RbacEngine;
import io.remora.rbac.RbacInput;
import io.remora.rbac.RbacRules;
import io.remora.rbac.RbacStats;

import java.net.SocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Envoy's network RBAC filter on one connection: the rules are checked when the first bytes
 * arrive from downstream (every time with CONTINUOUS); a denied connection is closed without
 * passing a byte on, after {@code delay_deny} if set, with termination details
 * {@code rbac_access_denied_matched_policy[...]}. A connection has no headers: header matchers
 * see an empty map.
 */
final class NetworkRbacFilter implements ConnectionFilter, RbacInput {

    private enum Result { UNKNOWN, ALLOW, DENY, NONE }

    private final NetworkRbacConfig config;
    private final RbacStats stats;
    private ConnectionFilterCallbacks cb;
    private Result result = Result.UNKNOWN;
    private Result shadowResult = Result.UNKNOWN;
    private boolean delayDenied;
    private ScheduledFuture<?> delayTimer;
    /** The policy the last {@link #check} matched, or null. */
    private String lastPolicy;
    /*
     * The shadow results Envoy leaves in the connection's dynamic metadata are kept here, where
     * the metadata matchers of this connection's checks see them beside the connection's own.
     */
    private Map<String, Map<String, Object>> metadata;

    NetworkRbacFilter(NetworkRbacConfig config, RbacStats stats) {
        this.config = config;
        this.stats = stats;
    }

    @Override
    public void initialize(ConnectionFilterCallbacks callbacks) {
        this.cb = callbacks;
    }

    @Override
    public NetworkFilterStatus onData(ByteBuf data, boolean endStream) {
        if (delayDenied) {
            return NetworkFilterStatus.STOP_ITERATION;
        }
        String policy = null;
        if (config.continuous()) {
            shadowResult = check(config.rules().shadowEngine(), true);
            result = check(config.rules().engine(), false);
            policy = lastPolicy;
        } else {
            if (shadowResult == Result.UNKNOWN) {
                shadowResult = check(config.rules().shadowEngine(), true);
            }
            if (result == Result.UNKNOWN) {
                result = check(config.rules().engine(), false);
                policy = lastPolicy;
            }
        }
        if (result != Result.DENY) {
            return NetworkFilterStatus.CONTINUE;
        }
        String details = RbacRules.deniedDetails(policy);
        if (config.delayDeny().isZero()) {
            cb.close(details);
        } else {
            delayDenied = true;
            cb.channel().config().setAutoRead(false);
            delayTimer = cb.channel().eventLoop().schedule(() -> cb.close(details),
                    config.delayDeny().toNanos(), TimeUnit.NANOSECONDS);
        }
        return NetworkFilterStatus.STOP_ITERATION;
    }

    private Result check(RbacEngine engine, boolean shadow) {
        lastPolicy = null;
        if (engine == null) {
            return Result.NONE;
        }
        RbacEngine.Decision d = engine.evaluate(this);
        RbacAuditLog.record(engine, d, this, NetworkRbacConfig.NAME);
        lastPolicy = d.policyId();
        if (shadow) {
            (d.allowed() ? stats.shadowAllowed : stats.shadowDenied).increment();
            Map<String, Object> ns = new HashMap<>(4);
            if (d.policyId() != null) {
                ns.put(config.shadowRulesStatPrefix() + RbacRules.SHADOW_EFFECTIVE_POLICY_ID, d.policyId());
            }
            ns.put(config.shadowRulesStatPrefix() + RbacRules.SHADOW_ENGINE_RESULT,
                    d.allowed() ? RbacRules.ENGINE_RESULT_ALLOWED : RbacRules.ENGINE_RESULT_DENIED);
            metadata().put(NetworkRbacConfig.NAME, ns);
        } else {
            if (d.logHint() != null) {
                metadata().computeIfAbsent(RbacRules.COMMON_NAMESPACE, k -> new HashMap<>(2))
                        .put(RbacRules.ACCESS_LOG_HINT, d.logHint());
            }
            (d.allowed() ? stats.allowed : stats.denied).increment();
        }
        return d.allowed() ? Result.ALLOW : Result.DENY;
    }

    private Map<String, Map<String, Object>> metadata() {
        if (metadata == null) {
            metadata = new HashMap<>(2);
        }
        return metadata;
    }

    @Override
    public void onClose() {
        if (delayTimer != null) {
            delayTimer.cancel(false);
        }
    }

    // ------------------------------------------------------------------ RbacInput

    @Override
    public Http2Headers headers() {
        return EmptyHttp2Headers.INSTANCE;
    }

    @Override
    public SocketAddress localAddress() {
        return cb.connection().localAddress();
    }

    /** The socket's peer, even when a PROXY header named another client (Envoy's direct remote address). */
    @Override
    public SocketAddress directRemoteAddress() {
        SocketAddress a = cb.channel().remoteAddress();
        return a != null ? a : cb.connection().remoteAddress();
    }

    /** The connection's remote address: the client a PROXY header named, else the peer ({@code source_ip}). */
    @Override
    public SocketAddress sourceAddress() {
        return cb.connection().remoteAddress();
    }

    @Override
    public SocketAddress remoteAddress() {
        return cb.connection().remoteAddress();
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
        // The connection's metadata (what mongo_proxy, proxy_protocol or an internal listener put
        // there) with this filter's own results over it, as one connection StreamInfo holds both in Envoy.
        Map<String, Map<String, Object>> connection = io.remora.network.ConnectionMetadata.all(cb.channel());
        if (metadata == null || connection.isEmpty()) {
            return metadata == null ? connection : metadata;
        }
        Map<String, Map<String, Object>> both = new HashMap<>(connection);
        both.putAll(metadata);
        return both;
    }

    @Override
    public FilterState filterState() {
        return cb.filterState();
    }
}
