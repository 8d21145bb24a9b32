package io.remora.extensions.filters.network.ext_authz;

import io.netty.buffer.ByteBuf;
import io.remora.accesslog.ResponseFlag;
import io.remora.extensions.filters.http.ext_authz.AuthzCheck;
import io.remora.extensions.filters.http.ext_authz.AuthzClient;
import io.remora.extensions.filters.http.ext_authz.AuthzDecision;
import io.remora.extensions.filters.http.ext_authz.AuthzPeers;
import io.remora.http.upstream.Cancellable;
import io.remora.network.ConnectionFilter;
import io.remora.network.ConnectionFilterCallbacks;
import io.remora.network.ConnectionMetadata;
import io.remora.network.NetworkFilterStatus;
import io.remora.tls.TlsConnection;

import java.util.Map;

/**
 * Envoy's network ext_authz filter on one connection: when the first bytes arrive, the
 * Authorization service is asked about the connection (peers and principal, no HTTP request)
 * while the bytes wait; OK lets them go on, a denial closes the connection, an error closes it
 * unless {@code failure_mode_allow}.
 */
final class NetworkExtAuthzFilter implements ConnectionFilter {

    private static final String DURATION_KEY = "ext_authz_duration";

    private enum State { IDLE, CALLING, ALLOWED, CLOSED }

    private final NetworkExtAuthzConfig config;
    private final AuthzClient client;
    private final NetworkExtAuthzFilterProvider.Stats stats;
    private ConnectionFilterCallbacks cb;
    private State state = State.IDLE;
    private Cancellable inFlight;
    private boolean callingNow;
    private long callStartNanos;

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
        // As Envoy: filter_enabled_metadata is asked on every read, of the connection's metadata
        // as earlier filters left it, and each read it turns away counts as disabled.
        if (config.filterEnabledMetadata() != null
                && !config.filterEnabledMetadata().matches(ConnectionMetadata.all(cb.channel()))) {
            stats.disabled.increment();
            return NetworkFilterStatus.CONTINUE;
        }
        if (state == State.IDLE) {
            state = State.CALLING;
            stats.total.increment();
            stats.active.incrementAndGet();
            String sni = cb.connection().serverName();
            AuthzCheck.Builder b = AuthzCheck.builder(cb.connection().remoteAddress(), cb.connection().localAddress())
                    .sourcePrincipal(AuthzPeers.source(cb.connection(), cb.filterState()))
                    .destinationPrincipal(AuthzPeers.destination(cb.connection()))
                    .destinationLabels(AuthzPeers.destinationLabels(cb.serverContext(), config.bootstrapMetadataLabelsKey()))
                    .services("", sni == null ? "" : sni);
            TlsConnection tls = cb.connection().tls();
            if (tls != null && tls.established() && config.includePeerCertificate()) {
                b.peerCertificate(tls.peerCertificatePemUrlEncoded());
            }
            if (config.includeTlsSession()) {
                b.tlsSession(AuthzPeers.tlsSessionSni(cb.connection()));
            }
            AuthzCheck check = b.build();
            callStartNanos = System.nanoTime();
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
        stats.active.decrementAndGet();
        Map<String, Object> metadata = new java.util.LinkedHashMap<>(d.dynamicMetadata());
        boolean allow = switch (d.kind()) {
            case OK -> {
                stats.ok.increment();
                // Envoy's network filter records every OK call's duration (whole ms).
                metadata.put(DURATION_KEY, (double) ((System.nanoTime() - callStartNanos) / 1_000_000));
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
        // The answer's metadata goes on the connection, where tcp_proxy's access log and later filters read it.
        metadata.forEach((k, v) -> ConnectionMetadata.put(cb.channel(), NetworkExtAuthzConfig.NAME, k, v));
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
            cb.setResponseFlag(ResponseFlag.UNAUTHORIZED_EXTERNAL_SERVICE);
            cb.close(d.kind() == AuthzDecision.Kind.DENIED ? "ext_authz_denied" : "ext_authz_error");
        }
    }

    @Override
    public void onClose() {
        if (state == State.CALLING) {
            stats.active.decrementAndGet();
        }
        if (inFlight != null) {
            inFlight.cancel();
            inFlight = null;
        }
        state = State.CLOSED;
    }
}
