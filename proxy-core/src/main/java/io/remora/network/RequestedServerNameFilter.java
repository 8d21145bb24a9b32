package io.remora.network;

/**
 * A network filter that leaves the server name the downstream's client hello asked for (from
 * tls_inspector or the TLS handshake) in the connection's filter state under one key, for a later
 * filter to act on; a connection without SNI sets nothing. sni_cluster (tcp_proxy's cluster) and
 * istio's forward_downstream_sni (the upstream SNI) are this filter with their keys.
 */
public final class RequestedServerNameFilter implements ConnectionFilter {
    private final String key;
    private final FilterState.Mutability mutability;
    private ConnectionFilterCallbacks callbacks;

    public RequestedServerNameFilter(String key, FilterState.Mutability mutability) {
        this.key = key;
        this.mutability = mutability;
    }

    @Override
    public void initialize(ConnectionFilterCallbacks callbacks) {
        this.callbacks = callbacks;
    }

    @Override
    public NetworkFilterStatus onNewConnection() {
        String sni = callbacks.connection().serverName();
        if (sni != null && !sni.isEmpty()) {
            callbacks.filterState().set(key, sni, mutability);
        }
        return NetworkFilterStatus.CONTINUE;
    }
}
