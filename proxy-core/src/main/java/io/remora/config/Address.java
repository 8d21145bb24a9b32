package io.remora.config;

/** A socket address as Envoy's {@code core.v3.Address}: TCP host:port or a Unix domain socket. */
public sealed interface Address permits Address.Tcp, Address.Pipe {

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

    /** {@code pipe}: a Unix domain socket path (abstract namespace when it starts with '@'). */
    record Pipe(String path) implements Address {
        @Override
        public String toString() {
            return path;
        }
    }
}
