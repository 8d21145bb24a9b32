package io.remora.xds.translate;

import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.remora.config.Address;
import io.remora.config.CidrRange;

/** {@code config.core.v3.Address} and {@code CidrRange}. */
public final class AddressTranslator {

    private AddressTranslator() {
    }

    public static Address translate(io.envoyproxy.envoy.config.core.v3.Address a, FieldPath path) {
        return switch (a.getAddressCase()) {
            case SOCKET_ADDRESS -> socket(a.getSocketAddress(), path.field("socket_address"), false);
            case PIPE -> {
                if (a.getPipe().getPath().isEmpty()) {
                    throw path.field("pipe").field("path").error("missing required field");
                }
                int mode = a.getPipe().getMode();
                if (mode < 0 || mode > 0777) {
                    throw path.field("pipe").field("mode").error("must be at most 0777 (511)");
                }
                if (mode != 0 && a.getPipe().getPath().startsWith("@")) {
                    // Envoy: an abstract socket has no file to chmod.
                    throw path.field("pipe").field("mode").error("Cannot set mode for Abstract AF_UNIX sockets");
                }
                yield new Address.Pipe(a.getPipe().getPath(), mode);
            }
            case ENVOY_INTERNAL_ADDRESS -> {
                var ia = a.getEnvoyInternalAddress();
                FieldPath ip = path.field("envoy_internal_address");
                if (ia.getServerListenerName().isEmpty()) {
                    throw ip.field("server_listener_name").error("missing required field");
                }
                yield new Address.Internal(ia.getServerListenerName(), ia.getEndpointId());
            }
            case ADDRESS_NOT_SET -> throw path.error("missing required field: one of socket_address, pipe");
        };
    }

    /** Whether the address is a UDP socket address (Envoy's UDP listeners are told apart by it alone). */
    public static boolean isUdp(io.envoyproxy.envoy.config.core.v3.Address a) {
        return a.hasSocketAddress() && a.getSocketAddress().getProtocol() == SocketAddress.Protocol.UDP;
    }

    /** A UDP socket address ({@link #isUdp}), as an IP address and port. */
    public static Address.Tcp translateUdp(io.envoyproxy.envoy.config.core.v3.Address a, FieldPath path) {
        return socket(a.getSocketAddress(), path.field("socket_address"), true);
    }

    private static Address.Tcp socket(SocketAddress s, FieldPath path, boolean udp) {
        if (s.getProtocol() != (udp ? SocketAddress.Protocol.UDP : SocketAddress.Protocol.TCP)) {
            throw path.field("protocol").error("only TCP is supported, not " + s.getProtocol());
        }
        if (s.getAddress().isEmpty()) {
            throw path.field("address").error("missing required field");
        }
        if (s.getPortSpecifierCase() == SocketAddress.PortSpecifierCase.NAMED_PORT) {
            throw path.field("named_port").error("named ports are not supported; use port_value");
        }
        if (!s.getNetworkNamespaceFilepath().isEmpty()) {
            throw path.field("network_namespace_filepath").error("not supported: a JVM cannot open a socket in another"
                    + " network namespace");
        }
        if (!s.getResolverName().isEmpty()) {
            throw path.field("resolver_name").error("custom resolvers are not supported");
        }
        int port = s.getPortValue();
        if (port < 0 || port > 65535) {
            throw path.field("port_value").error("port " + Integer.toUnsignedString(port) + " is out of range");
        }
        return new Address.Tcp(s.getAddress(), port, s.getIpv4Compat());
    }

    public static CidrRange cidr(io.envoyproxy.envoy.config.core.v3.CidrRange c, FieldPath path) {
        String prefix = c.getAddressPrefix();
        if (prefix.isEmpty()) {
            throw path.field("address_prefix").error("missing required field");
        }
        if (io.netty.util.NetUtil.createByteArrayFromIpAddressString(prefix) == null) {
            throw path.field("address_prefix").error("'" + prefix + "' is not an IP address");
        }
        int max = prefix.indexOf(':') >= 0 ? 128 : 32;
        // Envoy's CidrRange::create reads prefix_len.value(): unset is 0, the whole address family.
        int len = c.getPrefixLen().getValue();
        if (len < 0 || len > max) {
            throw path.field("prefix_len").error("prefix length " + len + " is out of range for " + prefix);
        }
        return new CidrRange(prefix, len);
    }
}
