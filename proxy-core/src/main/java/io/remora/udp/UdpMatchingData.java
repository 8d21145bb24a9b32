package io.remora.udp;

import io.remora.config.MatchInput;
import io.remora.matching.MatchingData;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The network inputs a udp_proxy matcher reads (Envoy's UDP matching data: source and destination
 * IP and port). One per socket, pointed at each datagram in turn: no object per datagram.
 */
final class UdpMatchingData implements MatchingData {
    private InetSocketAddress local;
    private InetSocketAddress peer;

    UdpMatchingData at(InetSocketAddress local, InetSocketAddress peer) {
        this.local = local;
        this.peer = peer;
        return this;
    }

    @Override
    public String value(MatchInput input) {
        return switch (input.kind()) {
            case SOURCE_IP -> MatchingData.address(peer.getAddress());
            case SOURCE_PORT -> MatchingData.port(peer.getPort());
            case DESTINATION_IP -> local == null ? null : MatchingData.address(local.getAddress());
            case DESTINATION_PORT -> local == null ? null : MatchingData.port(local.getPort());
            default -> null;
        };
    }

    @Override
    public InetAddress address(MatchInput input) {
        return switch (input.kind()) {
            case SOURCE_IP -> peer.getAddress();
            case DESTINATION_IP -> local == null ? null : local.getAddress();
            default -> null;
        };
    }
}
