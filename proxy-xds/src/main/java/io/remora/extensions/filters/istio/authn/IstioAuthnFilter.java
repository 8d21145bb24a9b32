package io.remora.extensions.filters.istio.authn;

import io.netty.buffer.ByteBuf;
import io.remora.extensions.filters.istio.common.PeerState;
import io.remora.network.ConnectionFilter;
import io.remora.network.ConnectionFilterCallbacks;
import io.remora.network.FilterState;
import io.remora.network.NetworkFilterStatus;
import io.remora.tls.TlsConnection;

import java.util.List;

/**
 * Records the connection's principals once TLS is up, as istio-proxy's {@code istio_authn}: the
 * first {@code spiffe://} URI SAN of the peer's and of the local certificate, as the filter state
 * objects {@code io.istio.peer_principal} and {@code io.istio.local_principal} (read-only). It
 * decides nothing; plaintext connections get neither.
 */
final class IstioAuthnFilter implements ConnectionFilter {

    private final FilterState.Sharing sharing;
    private ConnectionFilterCallbacks cb;
    private boolean done;

    IstioAuthnFilter(boolean shared) {
        this.sharing = shared ? FilterState.Sharing.SHARED_WITH_UPSTREAM_CONNECTION : FilterState.Sharing.NONE;
    }

    @Override
    public void initialize(ConnectionFilterCallbacks callbacks) {
        this.cb = callbacks;
    }

    @Override
    public NetworkFilterStatus onNewConnection() {
        populate();
        return NetworkFilterStatus.CONTINUE;
    }

    @Override
    public NetworkFilterStatus onData(ByteBuf data, boolean endStream) {
        populate();
        return NetworkFilterStatus.CONTINUE;
    }

    private void populate() {
        if (done) {
            return;
        }
        TlsConnection tls = cb.connection().tls();
        if (tls == null || !tls.established()) {
            return;
        }
        done = true;
        if (tls.peerCertificate() == null) {
            return;
        }
        set(PeerState.PEER_PRINCIPAL, tls.peerUriSans());
        set(PeerState.LOCAL_PRINCIPAL, tls.localUriSans());
    }

    private void set(String key, List<String> sans) {
        for (String san : sans) {
            if (san.startsWith("spiffe://")) {
                cb.filterState().set(key, san, FilterState.Mutability.READ_ONLY, sharing);
                return;
            }
        }
    }
}
