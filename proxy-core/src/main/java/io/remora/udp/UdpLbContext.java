package io.remora.udp;

import io.remora.upstream.LoadBalancerContext;
import io.remora.upstream.lb.XxHash64;

import java.net.InetSocketAddress;
import java.util.OptionalLong;

/**
 * What a udp_proxy shows the load balancer for one pick: the downstream peer, and the hash of its
 * {@code hash_policies} (Envoy's: xxHash64 of the source IP as text, or of the fixed key). One per
 * socket, pointed at each peer in turn.
 */
final class UdpLbContext implements LoadBalancerContext {
    private final boolean hashSourceIp;
    private final OptionalLong keyHash;
    private InetSocketAddress peer;

    UdpLbContext(boolean hashSourceIp, String hashKey) {
        this.hashSourceIp = hashSourceIp;
        this.keyHash = hashKey == null ? OptionalLong.empty() : OptionalLong.of(XxHash64.hash(hashKey));
    }

    UdpLbContext forPeer(InetSocketAddress peer) {
        this.peer = peer;
        return this;
    }

    @Override
    public OptionalLong computeHashKey() {
        if (hashSourceIp) {
            return OptionalLong.of(XxHash64.hash(io.netty.util.NetUtil.toAddressString(peer.getAddress())));
        }
        return keyHash;
    }
}
