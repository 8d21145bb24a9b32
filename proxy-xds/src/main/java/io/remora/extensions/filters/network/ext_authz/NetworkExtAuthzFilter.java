package io.remora.extensions.filters.network.ext_authz;

import io.netty.buffer.ByteBuf;
import io.remora.extensions.filters.http.ext_authz.AuthzCheck;
import io.remora.extensions.filters.http.ext_authz.AuthzClient;
import io.remora.extensions.filters.http.ext_authz.AuthzDecision;
import io.remora.http.upstream.Cancellable;
import io.remora.network.ConnectionFilter;
import io.remora.network.ConnectionFilterCallbacks;
import io.remora.network.NetworkFilterStatus;
import io.remora.rbac.PeerIdentity;
import io.remora.tls.TlsConnection;

import java.util.Map;

/**
 * Envoy's network ext_authz filter on one connection: when the first bytes arrive, the
 * Authorization service is asked about the connection (peers and principal, no HTTP request)
 * while the bytes wait; OK lets them go on, a denial closes the connection, an error closes it
 * unless {@code failure_mode_allow}.
 */
final class NetworkExtAuthzFilter implements ConnectionFilter {

    private enum State { IDLE, CALLING, ALLOWED, CLOSED }

    private final NetworkExtAuthzConfig config;
    private final AuthzClient client;
    private final NetworkExtAuthzFilterProvider.Stats stats;
    private ConnectionFilterCallbacks cb;
    private State state = State.IDLE;
    private Cancellable inFlight;
    private boolean callingNow;

    NetworkExtAuthzFilter(NetworkExtAuthzConfig config, AuthzClient client, NetworkExtAuthzFilterProvider.Stats stats) {
        this.config = config;
        this.client = client;
        this.stats = stats;
    }

    @Override
    public void initialize(ConnectionFilterCallbacks callbacks) {
        this.cb = callbacks;
    }

    @Override
    public NetworkFilterStatus onData(ByteBuf data, boolean endStream) {
        if (state == State.IDLE) {
            if (config.filterEnabledMetadata() != null && !config.filterEnabledMetadata().matches(Map.of())) {
                // The network filter API carries no connection metadata yet: nothing can enable it.
                stats.disabled.increment();
                state = State.ALLOWED;
                return NetworkFilterStatus.CONTINUE;
            }
            state = State.CALLING;
            stats.total.increment();
            PeerIdentity peer = PeerIdentity.of(cb.connection(), cb.filterState());
            String principal = peer == null ? "" : !peer.uriSans().isEmpty() ? peer.uriSans().get(0) : peer.subject();
            AuthzCheck.Builder b = AuthzCheck.builder(cb.connection().remoteAddress(), cb.connection().localAddress())
                    .sourcePrincipal(principal);
            TlsConnection tls = cb.connection().tls();
            if (tls != null && tls.established()) {
                if (config.includePeerCertificate()) {
                    b.peerCertificate(tls.peerCertificatePemUrlEncoded());
                }
                if (config.includeTlsSession()) {
                    b.tlsSession(tls.serverName() == null ? "" : tls.serverName());
                }
            }
            AuthzCheck check = b.build();
            callingNow = true;
            Cancellable c = client.check(check, cb.channel().eventLoop(), cb.serverContext(), this::onDecision);
            callingNow = false;
            if (state == State.CALLING) {
                inFlight = c;
            }
        }
        return state == State.ALLOWED ? NetworkFilterStatus.CONTINUE : NetworkFilterStatus.STOP_ITERATION;
    }

    private void onDecision(AuthzDecision d) {
        if (state != State.CALLING) {
            return;
        }
        inFlight = null;
        boolean allow = switch (d.kind()) {
            case OK -> {
                stats.ok.increment();
                yield true;
            }
            case DENIED -> {
                stats.denied.increment();
                yield false;
            }
            case ERROR -> {
                stats.error.increment();
                if (config.failureModeAllow()) {
                    stats.failureModeAllowed.increment();
                }
                yield config.failureModeAllow();
            }
        };
        if (allow) {
            state = State.ALLOWED;
            if (!callingNow) {
                cb.continueReading();
                // The filter manager passes the held bytes on without a read-complete event, and
                // tcp_proxy flushes upstream only on one: without this they would wait for the
                // client's next read.
                cb.channel().pipeline().fireChannelReadComplete();
            }
        } else {
            state = State.CLOSED;
            stats.cxClosed.increment();
            cb.close(d.kind() == AuthzDecision.Kind.DENIED ? "ext_authz_denied" : "ext_authz_error");
        }
    }

    @Override
    public void onClose() {
        if (inFlight != null) {
            inFlight.cancel();
            inFlight = null;
        }
        state = State.CLOSED;
    }
}
