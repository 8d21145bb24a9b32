package io.remora.extensions.filters.istio.common;

import io.remora.config.NodeInfo;
import io.remora.server.ServerContext;

import java.util.Map;

/**
 * This proxy's own workload, from its node (bootstrap {@code node}): what the stats filter
 * reports for its side and what the metadata exchange sends, computed once per node.
 *
 * @param headerValue the {@code x-envoy-peer-metadata} value (base64 of the Struct)
 * @param tcpPayload  the TCP exchange's Any, without its initial header
 */
public record LocalWorkload(String nodeId, WorkloadMetadata workload, String istioVersion, String headerValue,
                            byte[] tcpPayload) {

    private record Cached(NodeInfo node, LocalWorkload local) {
    }

    private static volatile Cached last;

    /** The local workload of the server's current node (read on first use: the node is fixed at start). */
    public static LocalWorkload of(ServerContext ctx) {
        NodeInfo node = ctx.node();
        Cached c = last;
        if (c != null && c.node == node) {
            return c.local;
        }
        Map<String, Object> md = node.metadata() == null ? Map.of() : node.metadata();
        LocalWorkload lw = new LocalWorkload(node.id(), WorkloadMetadata.fromNodeMetadata(md),
                md.get("ISTIO_VERSION") instanceof String v ? v : "", PeerMetadataCodec.headerValue(md),
                PeerMetadataCodec.tcpPayload(md, node.id()));
        last = new Cached(node, lw);
        return lw;
    }
}
