package io.remora.extensions.filters.common.tap;

import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.Pipe;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.data.tap.v3.Connection;

import java.net.InetSocketAddress;

/** A connection's addresses as a trace carries them ({@code envoy.data.tap.v3.Connection}). */
public final class TraceConnection {

    private TraceConnection() {
    }

    /** Local and remote address; a null one is left out (a client connection not yet bound). */
    public static Connection of(java.net.SocketAddress local, java.net.SocketAddress remote) {
        Connection.Builder c = Connection.newBuilder();
        if (local != null) {
            c.setLocalAddress(address(local));
        }
        if (remote != null) {
            c.setRemoteAddress(address(remote));
        }
        return c.build();
    }

    private static Address address(java.net.SocketAddress a) {
        if (a instanceof InetSocketAddress in) {
            String host = in.getAddress() != null ? in.getAddress().getHostAddress() : in.getHostString();
            return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(host)
                    .setPortValue(in.getPort())).build();
        }
        return Address.newBuilder().setPipe(Pipe.newBuilder().setPath(String.valueOf(a))).build();
    }
}
