package io.remora.extensions.filters.istio.stats;

import dev.cel.runtime.CelVariableResolver;
import io.remora.accesslog.StreamInfo;
import io.remora.extensions.cel.CelAttributes;
import io.remora.extensions.filters.istio.common.PeerState;
import io.remora.extensions.filters.istio.common.WorkloadMetadata;
import io.remora.network.FilterState;
import io.remora.server.ServerContext;

import java.util.Optional;

/**
 * The attributes istio-proxy's stats expressions see: Envoy's, plus {@code upstream_peer} and
 * {@code downstream_peer} (the exchanged peers' fields and labels, also under
 * {@code filter_state}) and {@code node} (this proxy's node, as {@code xds.node}).
 */
final class IstioAttributes {

    private IstioAttributes() {
    }

    static CelVariableResolver of(StreamInfo info, FilterState state, ServerContext context) {
        CelAttributes envoy = new CelAttributes(info, null, context.node(), name -> switch (name) {
            case "upstream_peer" -> peer(state, false);
            case "downstream_peer" -> peer(state, true);
            default -> Optional.empty();
        });
        return name -> name.equals("node") ? envoy.find("xds").map(x -> ((java.util.Map<?, ?>) x).get("node"))
                : envoy.find(name);
    }

    private static Optional<Object> peer(FilterState state, boolean downstream) {
        WorkloadMetadata p = state == null ? null : PeerState.peer(state, downstream);
        return p == null ? Optional.empty() : Optional.of(p.celFields());
    }
}
