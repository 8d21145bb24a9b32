package io.remora.rbac;

import io.remora.config.MatchInput;
import io.remora.matching.MatchingData;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * An {@link RbacInput} as the inputs of an RBAC matcher read it (Envoy's HTTP matching data of
 * the connection and request): the source is the connection's remote address, the peer
 * certificate inputs are not available on a plaintext connection (so the matcher yields nothing)
 * and have no value when the certificate lacks the field, a repeated header's values are joined
 * with commas.
 */
public final class RbacMatchingData implements MatchingData {

    private final RbacInput in;

    RbacMatchingData(RbacInput in) {
        this.in = in;
    }

    /** The connection and request, which a CEL matcher over HttpAttributesCelMatchInput evaluates against. */
    public RbacInput input() {
        return in;
    }

    @Override
    public boolean available(MatchInput input) {
        return switch (input.kind()) {
            case URI_SAN, DNS_SAN, SUBJECT -> in.peerIdentity() != null;
            default -> true;
        };
    }

    @Override
    public String value(MatchInput input) {
        return switch (input.kind()) {
            case DESTINATION_IP, SOURCE_IP, DIRECT_SOURCE_IP -> MatchingData.address(address(input));
            case DESTINATION_PORT -> MatchingData.port(in.localAddress());
            case SOURCE_PORT -> MatchingData.port(in.sourceAddress());
            case SERVER_NAME -> MatchingData.emptyToNull(in.requestedServerName());
            case URI_SAN -> MatchingData.joined(in.peerIdentity().uriSans());
            case DNS_SAN -> MatchingData.joined(in.peerIdentity().dnsSans());
            case SUBJECT -> MatchingData.emptyToNull(in.peerIdentity().subject());
            case REQUEST_HEADER -> MatchingData.header(in.headers(), input.key());
            case FILTER_STATE -> in.filterState() == null ? null
                    : io.remora.matching.FilterStateMatch.serialize(in.filterState().get(input.key()));
            // The translator admits no other input for RBAC.
            default -> null;
        };
    }

    @Override
    public java.util.Map<String, java.util.Map<String, Object>> dynamicMetadata() {
        return in.dynamicMetadata();
    }

    @Override
    public io.remora.runtime.Runtime runtime() {
        return in.runtime();
    }

    @Override
    public InetAddress address(MatchInput input) {
        SocketAddress a = switch (input.kind()) {
            case DESTINATION_IP -> in.localAddress();
            case SOURCE_IP -> in.sourceAddress();
            case DIRECT_SOURCE_IP -> in.directRemoteAddress();
            default -> null;
        };
        return a instanceof InetSocketAddress isa ? isa.getAddress() : null;
    }
}
