package io.remora.config;

/** A socket address as Envoy's {@code core.v3.Address}: TCP host:port or a Unix domain socket. */
public sealed interface Address permits Address.Tcp, Address.Pipe {

    /** {@code socket_address}; host is an IP literal or a DNS name (resolved by the cluster type). */
    record Tcp(String host, int port) implements Address {
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
