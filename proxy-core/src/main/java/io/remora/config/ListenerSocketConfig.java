package io.remora.config;

/**
 * How a listener's sockets are opened and accepted from: the socket-level fields of
 * {@code config.listener.v3.Listener}. Defaults are Envoy's on Linux.
 *
 * @param tcpBacklogSize        {@code tcp_backlog_size}: listen()'s backlog; {@link #KERNEL_DEFAULT}
 *                              when unset (Envoy passes -1 on Linux: net.core.somaxconn)
 * @param reusePort             {@code enable_reuse_port} (default true): one socket per worker with
 *                              SO_REUSEPORT; false: one socket whose connections all workers share
 * @param exactBalance          {@code connection_balance_config.exact_balance}: each accepted
 *                              connection goes to the worker with the fewest of the listener's connections
 * @param maxAcceptPerEvent     {@code max_connections_to_accept_per_socket_event}; 0 when unset (no limit)
 * @param tcpFastOpenQueueLength {@code tcp_fast_open_queue_length}: TCP_FASTOPEN on the listening
 *                              sockets (0 turns it off); {@link #UNSET} leaves the socket as it is
 */
public record ListenerSocketConfig(int tcpBacklogSize, boolean reusePort, boolean exactBalance,
                                   int maxAcceptPerEvent, int tcpFastOpenQueueLength) {

    /** listen(-1): Linux caps it at net.core.somaxconn, as Envoy's default does. */
    public static final int KERNEL_DEFAULT = -1;
    public static final int UNSET = -1;
    public static final ListenerSocketConfig DEFAULT = builder().build();

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private int tcpBacklogSize = KERNEL_DEFAULT;
        private boolean reusePort = true;
        private boolean exactBalance;
        private int maxAcceptPerEvent;
        private int tcpFastOpenQueueLength = UNSET;

        private Builder() {
        }

        public Builder tcpBacklogSize(int v) {
            tcpBacklogSize = v;
            return this;
        }

        public Builder reusePort(boolean v) {
            reusePort = v;
            return this;
        }

        public Builder exactBalance(boolean v) {
            exactBalance = v;
            return this;
        }

        public Builder maxAcceptPerEvent(int v) {
            maxAcceptPerEvent = v;
            return this;
        }

        public Builder tcpFastOpenQueueLength(int v) {
            tcpFastOpenQueueLength = v;
            return this;
        }

        public ListenerSocketConfig build() {
            return new ListenerSocketConfig(tcpBacklogSize, reusePort, exactBalance, maxAcceptPerEvent,
                    tcpFastOpenQueueLength);
        }
    }
}
