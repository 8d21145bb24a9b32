package io.remora.extensions.filters.istio.common;

import io.remora.network.FilterState;

/**
 * Where Istio's filters leave the peer's workload for each other (istio-proxy's filter state
 * keys): the metadata exchange writes, the stats filter reads.
 */
public final class PeerState {

    public static final String WASM_DOWNSTREAM_PEER = "wasm.downstream_peer";
    public static final String WASM_DOWNSTREAM_PEER_ID = "wasm.downstream_peer_id";
    public static final String WASM_UPSTREAM_PEER = "wasm.upstream_peer";
    public static final String WASM_UPSTREAM_PEER_ID = "wasm.upstream_peer_id";
    public static final String DOWNSTREAM_PEER = "downstream_peer";
    public static final String UPSTREAM_PEER = "upstream_peer";
    /** The id a failed TCP exchange leaves (istio-proxy's kMetadataNotFoundValue): "looked, nothing there". */
    public static final String PEER_UNKNOWN = "envoy.wasm.metadata_exchange.peer_unknown";
    /** Set by {@code istio_authn} from the connection's certificates. */
    public static final String PEER_PRINCIPAL = "io.istio.peer_principal";
    public static final String LOCAL_PRINCIPAL = "io.istio.local_principal";

    private PeerState() {
    }

    /** Records the peer (null: none found) and its id; the first writer wins, as in istio-proxy. */
    public static void set(FilterState state, boolean downstream, WorkloadMetadata peer, String id) {
        if (peer != null && !state.has(downstream ? WASM_DOWNSTREAM_PEER : WASM_UPSTREAM_PEER)) {
            state.set(downstream ? WASM_DOWNSTREAM_PEER : WASM_UPSTREAM_PEER, peer, FilterState.Mutability.MUTABLE);
            state.set(downstream ? DOWNSTREAM_PEER : UPSTREAM_PEER, peer, FilterState.Mutability.MUTABLE);
        }
        String idKey = downstream ? WASM_DOWNSTREAM_PEER_ID : WASM_UPSTREAM_PEER_ID;
        if (!state.has(idKey)) {
            state.set(idKey, id == null || id.isEmpty() ? "unknown" : id, FilterState.Mutability.MUTABLE);
        }
    }

    /** The peer a metadata exchange found, or null. */
    public static WorkloadMetadata peer(FilterState state, boolean downstream) {
        WorkloadMetadata w = state.get(downstream ? WASM_DOWNSTREAM_PEER : WASM_UPSTREAM_PEER, WorkloadMetadata.class);
        return w != null ? w : state.get(downstream ? DOWNSTREAM_PEER : UPSTREAM_PEER, WorkloadMetadata.class);
    }

    /** Whether a metadata exchange has finished looking (found or not). */
    public static boolean read(FilterState state, boolean downstream) {
        return state.has(downstream ? WASM_DOWNSTREAM_PEER_ID : WASM_UPSTREAM_PEER_ID)
                || state.has("wasm." + PEER_UNKNOWN);
    }
}
