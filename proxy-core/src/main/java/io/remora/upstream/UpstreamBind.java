package io.remora.upstream;

import io.netty.util.AttributeKey;
import io.remora.config.Address;
import io.remora.config.BindConfig;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The local address an upstream connection binds, from the cluster's bind config or, for a
 * listener with original_src, the downstream's address. As Envoy's default local address
 * selector: among source_address and the extra addresses, the first of the upstream's IP
 * family; when none has that family, source_address (and the connect fails as in Envoy).
 */
public final class UpstreamBind {

    private UpstreamBind() {
    }

    /**
     * How original_src binds an upstream connection of one downstream connection.
     *
     * @param source    the downstream's address (its port only when bind_port was set, else 0)
     * @param mark      SO_MARK for the socket, 0 for none
     */
    public record OriginalSource(InetSocketAddress source, int mark) {
    }

    /** Set on a downstream channel whose listener has original_src. */
    public static final AttributeKey<OriginalSource> ORIGINAL_SOURCE = AttributeKey.valueOf("remora.originalSource");

    /** The address to bind for a connection to remote, or null to let the kernel choose. */
    public static InetSocketAddress select(BindConfig bind, SocketAddress remote) {
        if (bind == null || !(remote instanceof InetSocketAddress r) || r.getAddress() == null) {
            return null;
        }
        List<Address.Tcp> candidates = new ArrayList<>();
        if (bind.sourceAddress() != null) {
            candidates.add(bind.sourceAddress());
        }
        candidates.addAll(bind.extraSourceAddresses());
        if (candidates.isEmpty()) {
            return null;
        }
        boolean v6 = r.getAddress() instanceof Inet6Address;
        for (Address.Tcp c : candidates) {
            InetSocketAddress a = resolve(c);
            if ((a.getAddress() instanceof Inet6Address) == v6) {
                return a;
            }
        }
        return resolve(candidates.get(0));
    }

    private static InetSocketAddress resolve(Address.Tcp a) {
        // Translated bind addresses are IP literals: no lookup happens here.
        return new InetSocketAddress(literal(a.host()), a.port());
    }

    private static InetAddress literal(String ip) {
        try {
            return InetAddress.getByName(ip);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + ip, e);
        }
    }
}
