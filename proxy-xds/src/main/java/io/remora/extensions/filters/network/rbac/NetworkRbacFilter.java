package io.remora.extensions.filters.network.rbac;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.EmptyHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.concurrent.ScheduledFuture;
import io.remora.network.ConnectionFilter;
import io.remora.network.ConnectionFilterCallbacks;
import io.remora.network.ConnectionMetadata;
import io.remora.network.FilterState;
import io.remora.network.NetworkFilterStatus;
import io.remora.rbac.PeerIdentity;
import io.remora.rbac.RbacAuditLog;
import io.remora.rbac.RbacEngine;
import io.remora.rbac.RbacInput;
import io.remora.rbac.RbacRules;
import io.remora.rbac.RbacStats;

import java.net.SocketAddress;
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
        // Envoy's connection stream info: later checks, the access logs and tcp_proxy's session see
        // it; each field is merged into its namespace as Envoy's setDynamicMetadata merges.
        io.netty.channel.Channel ch = cb.channel();
        if (shadow) {
            (d.allowed() ? stats.shadowAllowed : stats.shadowDenied).increment();
            if (d.policyId() != null) {
                ConnectionMetadata.put(ch, NetworkRbacConfig.NAME,
                        config.shadowRulesStatPrefix() + RbacRules.SHADOW_EFFECTIVE_POLICY_ID, d.policyId());
            }
            ConnectionMetadata.put(ch, NetworkRbacConfig.NAME, config.shadowRulesStatPrefix()
                    + RbacRules.SHADOW_ENGINE_RESULT, d.allowed() ? RbacRules.ENGINE_RESULT_ALLOWED
                    : RbacRules.ENGINE_RESULT_DENIED);
        } else {
            if (d.logHint() != null) {
                ConnectionMetadata.put(ch, RbacRules.COMMON_NAMESPACE, RbacRules.ACCESS_LOG_HINT, d.logHint());
            }
            (d.allowed() ? stats.allowed : stats.denied).increment();
        }
        return d.allowed() ? Result.ALLOW : Result.DENY;
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

    /** The connection's metadata: what mongo_proxy, proxy_protocol, an internal listener or this filter put there. */
    @Override
    public Map<String, Map<String, Object>> dynamicMetadata() {
        return ConnectionMetadata.all(cb.channel());
    }

    @Override
    public FilterState filterState() {
        return cb.filterState();
    }
}
