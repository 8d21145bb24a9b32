package io.remora.config;

/**
 * A socket address as Envoy's {@code core.v3.Address}: TCP host:port, a Unix domain socket, or
 * an internal listener of this process.
 */
public sealed interface Address permits Address.Tcp, Address.Pipe, Address.Internal {

    /** {@code socket_address}; host is an IP literal or a DNS name (resolved by the cluster type). */
    /**
     * @param ipv4Compat {@code socket_address.ipv4_compat}: an IPv6 wildcard listener ({@code ::})
     *                   also accepts IPv4 connections; without it IPv6 listeners are IPv6-only
     */
    record Tcp(String host, int port, boolean ipv4Compat) implements Address {
        public Tcp(String host, int port) {
            this(host, port, false);
        }

        @Override
        public String toString() {
            return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
        }
    }

    /**
     * {@code pipe}: a Unix domain socket path (abstract namespace when it starts with '@').
     *
     * @param mode the file mode a listener's socket is given once bound ({@code pipe.mode}); 0 leaves
     *             the one the umask gave it
     */
    record Pipe(String path, int mode) implements Address {
        public Pipe(String path) {
            this(path, 0);
        }

        @Override
        public String toString() {
            return path;
        }
    }

    /**
     * {@code envoy_internal_address}: the internal listener named serverListenerName (a
     * listener with {@code internal_listener}), reached without leaving the process.
     *
     * @param endpointId distinguishes endpoints of one cluster that share a listener; may be empty
     */
    record Internal(String serverListenerName, String endpointId) implements Address {
        @Override
        public String toString() {
            return "envoy://" + serverListenerName + (endpointId == null || endpointId.isEmpty() ? "" : "/" + endpointId);
        }
    }
}
