package io.remora.extensions.filters.network.sni_dynamic_forward_proxy;

import io.remora.network.ConnectionFilter;
import io.remora.network.ConnectionFilterCallbacks;
import io.remora.network.FilterState;
import io.remora.network.NetworkFilterStatus;
import io.remora.upstream.DnsCache;
import io.remora.upstream.DnsCacheEntry;

/**
 * One connection of Envoy's SNI dynamic forward proxy: the SNI (or a filter state's dynamic host)
 * and port_value (or the filter state's dynamic port, which it leaves for the cluster) looked up
 * before tcp_proxy starts. As in Envoy a failed lookup does not end the connection here: the
 * cluster then has no host for it.
 */
final class SniDynamicForwardProxyFilter implements ConnectionFilter, DnsCache.Waiter {

    private final SniDynamicForwardProxyConfig config;
    private final DnsCache cache;
    private ConnectionFilterCallbacks cb;
    private boolean pending;
    private boolean closed;

    SniDynamicForwardProxyFilter(SniDynamicForwardProxyConfig config, DnsCache cache) {
        this.config = config;
        this.cache = cache;
    }

    @Override
    public void initialize(ConnectionFilterCallbacks callbacks) {
        this.cb = callbacks;
    }

    @Override
    public NetworkFilterStatus onNewConnection() {
        Object dynamic = cb.filterState().get(DnsCache.DYNAMIC_HOST);
        String host = dynamic instanceof CharSequence d ? d.toString() : cb.connection().serverName();
        if (cache == null || host == null || host.isEmpty()) {
            return NetworkFilterStatus.CONTINUE;
        }
        if (!cache.tryPending()) {
            cb.close("dynamic_forward_proxy_pending_request_overflow");
            return NetworkFilterStatus.STOP_ITERATION;
        }
        pending = true;
        int port = config.port();
        if (cb.filterState().get(DnsCache.DYNAMIC_PORT) instanceof Number p && p.longValue() > 0
                && p.longValue() <= 65535) {
            port = p.intValue();
        } else {
            // The cluster picks its host by the same port.
            cb.filterState().set(DnsCache.DYNAMIC_PORT, port, FilterState.Mutability.MUTABLE);
        }
        String key = DnsCache.key(host, port);
        switch (cache.load(key, this)) {
            case LOADING:
                return NetworkFilterStatus.STOP_ITERATION;
            case OVERFLOW:
                release();
                cb.close("dns_cache_overflow");
                return NetworkFilterStatus.STOP_ITERATION;
            default:
                release();
                save(cache.entry(key));
                return NetworkFilterStatus.CONTINUE;
        }
    }

    /** Called on the DNS thread: the connection goes on on its own event loop. */
    @Override
    public void onLoaded(DnsCacheEntry entry) {
        cb.channel().eventLoop().execute(() -> {
            if (closed) {
                return;
            }
            release();
            save(entry);
            cb.continueReading();
        });
    }

    private void save(DnsCacheEntry entry) {
        String address = entry == null ? null : entry.addressString();
        if (config.saveUpstreamAddress() && address != null) {
            cb.filterState().set(DnsCacheEntry.UPSTREAM_ADDRESS, address, FilterState.Mutability.MUTABLE);
        }
    }

    private void release() {
        if (pending) {
            pending = false;
            cache.releasePending();
        }
    }

    @Override
    public void onClose() {
        closed = true;
        release();
    }
}
