package io.remora.xds.translate;

import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.remora.config.Address;
import io.remora.config.ListenerConfig;
import io.remora.config.ListenerSocketConfig;

/**
 * The socket-level fields of {@code config.listener.v3.Listener}: {@code tcp_backlog_size},
 * {@code enable_reuse_port} (and the deprecated {@code reuse_port}), {@code connection_balance_config},
 * {@code max_connections_to_accept_per_socket_event}, {@code tcp_fast_open_queue_length},
 * {@code enable_mptcp}; and {@code drain_type}. Refused where Envoy's ListenerImpl refuses them.
 */
final class ListenerSocketTranslator {

    private ListenerSocketTranslator() {
    }

    @SuppressWarnings("deprecation")
    static ListenerSocketConfig translate(Listener l, Address address, FieldPath path) {
        if (l.hasInternalListener()) {
            internalListenerFeatures(l, path);
            return ListenerSocketConfig.DEFAULT;
        }
        if (l.getEnableMptcp()) {
            // Envoy's validateConfig: IP addresses only, and a platform that opens IPPROTO_MPTCP sockets.
            throw path.field("enable_mptcp").error(address instanceof Address.Tcp
                    ? "MPTCP is not supported: neither the JDK nor Netty's transports can open an IPPROTO_MPTCP socket"
                    : "enable_mptcp can only be used with IP addresses");
        }
        ListenerSocketConfig.Builder b = ListenerSocketConfig.builder();
        if (l.hasTcpBacklogSize()) {
            // listen() takes a C int; past it Linux caps at somaxconn anyway.
            b.tcpBacklogSize((int) Math.min(Integer.toUnsignedLong(l.getTcpBacklogSize().getValue()), Integer.MAX_VALUE));
        }
        // enable_reuse_port wins over the deprecated reuse_port, whose true is the default anyway.
        b.reusePort(!l.hasEnableReusePort() || l.getEnableReusePort().getValue());
        if (l.hasConnectionBalanceConfig()) {
            FieldPath bp = path.field("connection_balance_config");
            var cb = l.getConnectionBalanceConfig();
            switch (cb.getBalanceTypeCase()) {
                case EXACT_BALANCE -> b.exactBalance(true);
                case EXTEND_BALANCE -> {
                    var ext = cb.getExtendBalance();
                    String type = ext.hasTypedConfig() ? Protos.typeName(ext.getTypedConfig()) : "";
                    throw bp.field("extend_balance").error("no connection balancer extension '" + ext.getName()
                            + "' (" + type + ") is registered; only exact_balance is supported");
                }
                default -> throw bp.error("missing required field: one of exact_balance, extend_balance");
            }
        }
        if (l.hasMaxConnectionsToAcceptPerSocketEvent()) {
            int max = l.getMaxConnectionsToAcceptPerSocketEvent().getValue();
            if (max == 0) {
                throw path.field("max_connections_to_accept_per_socket_event").error("must be greater than 0");
            }
            b.maxAcceptPerEvent(max < 0 ? Integer.MAX_VALUE : max);
        }
        if (l.hasTcpFastOpenQueueLength()) {
            if (!(address instanceof Address.Tcp)) {
                // Envoy sets it as a socket option, which a Unix socket refuses: the listener fails.
                throw path.field("tcp_fast_open_queue_length").error("TCP fast open needs an IP address");
            }
            int q = l.getTcpFastOpenQueueLength().getValue();
            b.tcpFastOpenQueueLength(q < 0 ? Integer.MAX_VALUE : q);
        }
        return b.build();
    }

    static ListenerConfig.DrainType drainType(Listener l) {
        return l.getDrainType() == Listener.DrainType.MODIFY_ONLY ? ListenerConfig.DrainType.MODIFY_ONLY
                : ListenerConfig.DrainType.DEFAULT;
    }

    /** Envoy: an internal listener has no socket, so these are "unsupported tcp listener feature"s. */
    private static void internalListenerFeatures(Listener l, FieldPath path) {
        String field = l.hasConnectionBalanceConfig() ? "connection_balance_config" : l.getEnableMptcp() ? "enable_mptcp"
                : l.hasEnableReusePort() ? "enable_reuse_port" : l.hasTcpBacklogSize() ? "tcp_backlog_size"
                : l.hasTcpFastOpenQueueLength() ? "tcp_fast_open_queue_length" : null;
        if (field != null) {
            throw path.field(field).error("an internal listener has no socket: unsupported tcp listener feature");
        }
    }
}
