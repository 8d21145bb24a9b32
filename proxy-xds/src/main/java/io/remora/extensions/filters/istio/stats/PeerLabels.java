package io.remora.extensions.filters.istio.stats;

import io.remora.extensions.filters.istio.common.WorkloadMetadata;

import java.util.Set;

/**
 * The peer-describing labels of one request or connection ({@link IstioMetrics#PEER_LABELS}),
 * computed as istio-proxy's stats filter does: this proxy's side from its node metadata, the
 * other side from what the metadata exchange found, namespaces from the SPIFFE principal first,
 * {@code unknown} (revisions: {@code latest}) where nothing is known.
 */
final class PeerLabels {

    static final String UNKNOWN = "unknown";
    private static final Set<String> PASSTHROUGH_CLUSTERS = Set.of("BlackHoleCluster", "PassthroughCluster",
            "InboundPassthroughCluster", "InboundPassthroughClusterIpv4", "InboundPassthroughClusterIpv6");

    private PeerLabels() {
    }

    /**
     * What is known of one exchange.
     *
     * @param clusterIstio the upstream cluster's {@code istio} filter metadata (its {@code services}), or null
     * @param upstreamPeer the exchanged upstream peer, read only by a waypoint ({@code SERVER_GATEWAY}),
     *                     whose destination is not itself; null when none
     */
    record Facts(StatsPluginSettings.Reporter reporter, WorkloadMetadata local, WorkloadMetadata peer,
                 String peerPrincipal, String localPrincipal, String hostHeader, String routeName, String cluster,
                 String protocol, java.util.Map<String, Object> clusterIstio, WorkloadMetadata upstreamPeer) {
    }

    /** A cluster's {@code istio} filter metadata, where istiod names the Service(s) behind it; null when none. */
    static java.util.Map<String, Object> clusterIstio(io.remora.server.ServerContext ctx, String cluster) {
        io.remora.upstream.Cluster c = cluster == null ? null : ctx.clusterManager().get(cluster);
        return c == null ? null : c.config().metadata().get("istio");
    }

    /**
     * The client side's fallback when no metadata exchange told it the peer (the peer is outside
     * the mesh, or the exchange has not happened): the upstream host's {@code istio.workload}
     * endpoint metadata, {@code name;namespace;canonical-service;canonical-revision;cluster}, as
     * istio-proxy's stats filter reads it (no app, version or identity in that encoding); null
     * when the host has none.
     */
    static WorkloadMetadata endpointPeer(io.remora.accesslog.StreamInfo upstream) {
        if (upstream == null || upstream.upstreamHostMetadata == null) {
            return null;
        }
        Object encoded = upstream.upstreamHostMetadata.apply("istio").get("workload");
        return encoded instanceof String s ? WorkloadMetadata.fromEndpointEncoding(s) : null;
    }

    /** The values of {@link IstioMetrics#PEER_LABELS} (the caller appends the protocol-specific ones). */
    static String[] compute(Facts f, int extra) {
        String[] out = new String[IstioMetrics.PEER_LABELS.size() + extra];
        WorkloadMetadata local = f.local();
        WorkloadMetadata peer = f.peer();
        String serviceHost = f.hostHeader() == null ? "" : f.hostHeader();
        String serviceHostName = serviceHost;
        if ("block_all".equals(f.routeName())) {
            serviceHostName = "BlackHoleCluster";
        } else if ("allow_any".equals(f.routeName())) {
            serviceHostName = "PassthroughCluster";
        } else if (f.cluster() != null && !f.cluster().isEmpty()) {
            if (PASSTHROUGH_CLUSTERS.contains(f.cluster())) {
                serviceHostName = f.cluster();
            } else if (service(f.clusterIstio()) instanceof java.util.Map<?, ?> svc && svc.get("host") != null) {
                // As istio-proxy: the first of the cluster's istio.services.
                serviceHost = String.valueOf(svc.get("host"));
                Object name = svc.get("name");
                int dot = serviceHost.indexOf('.');
                serviceHostName = name != null ? String.valueOf(name) : dot < 0 ? serviceHost : serviceHost.substring(0, dot);
            } else {
                // Without that metadata: Istio's outbound clusters are named after the service,
                // outbound|<port>|<subset>|<host>.
                String host = serviceOf(f.cluster());
                if (host != null) {
                    serviceHost = host;
                    int dot = host.indexOf('.');
                    serviceHostName = dot < 0 ? host : host.substring(0, dot);
                }
            }
        }
        String peerSan = f.peerPrincipal() == null ? "" : f.peerPrincipal();
        String localSan = f.localPrincipal() == null ? "" : f.localPrincipal();
        String peerNamespace = namespaceOf(peerSan);
        if (peerNamespace.isEmpty() && peer != null) {
            peerNamespace = peer.namespaceName();
        }
        int i = 0;
        out[i++] = f.reporter().label;
        if (f.reporter().server()) {
            out[i++] = or(peer == null ? "" : peer.workloadName(), UNKNOWN);
            out[i++] = or(peer == null ? "" : peer.canonicalName(), UNKNOWN);
            out[i++] = or(peer == null ? "" : peer.canonicalRevision(), "latest");
            out[i++] = or(peerNamespace, UNKNOWN);
            out[i++] = or(peerSan, UNKNOWN);
            out[i++] = or(peer == null ? "" : peer.appName(), UNKNOWN);
            out[i++] = or(peer == null ? "" : peer.appVersion(), UNKNOWN);
            out[i++] = or(peer == null ? "" : peer.clusterName(), UNKNOWN);
            if (f.reporter() == StatsPluginSettings.Reporter.SERVER_GATEWAY) {
                i = waypointDestination(f.upstreamPeer(), serviceHost, serviceHostName, out, i);
            } else {
                out[i++] = local.workloadName();
                out[i++] = local.namespaceName();
                out[i++] = or(localSan, UNKNOWN);
                out[i++] = local.appName();
                out[i++] = local.appVersion();
                out[i++] = serviceHost.isEmpty() ? local.canonicalName() : serviceHost;
                out[i++] = local.canonicalName();
                out[i++] = local.canonicalRevision();
                out[i++] = serviceHostName.isEmpty() ? local.canonicalName() : serviceHostName;
            }
            out[i++] = local.namespaceName();
            out[i++] = local.clusterName();
        } else {
            out[i++] = local.workloadName();
            out[i++] = local.canonicalName();
            out[i++] = local.canonicalRevision();
            out[i++] = local.namespaceName();
            out[i++] = or(localSan, UNKNOWN);
            out[i++] = local.appName();
            out[i++] = local.appVersion();
            out[i++] = local.clusterName();
            out[i++] = or(peer == null ? "" : peer.workloadName(), UNKNOWN);
            out[i++] = or(peerNamespace, UNKNOWN);
            out[i++] = or(peerSan, UNKNOWN);
            out[i++] = or(peer == null ? "" : peer.appName(), UNKNOWN);
            out[i++] = or(peer == null ? "" : peer.appVersion(), UNKNOWN);
            out[i++] = or(serviceHost, UNKNOWN);
            out[i++] = or(peer == null ? "" : peer.canonicalName(), UNKNOWN);
            out[i++] = or(peer == null ? "" : peer.canonicalRevision(), "latest");
            out[i++] = or(serviceHostName, UNKNOWN);
            out[i++] = or(peerNamespace, UNKNOWN);
            out[i++] = or(peer == null ? "" : peer.clusterName(), UNKNOWN);
        }
        out[i] = f.protocol();
        return out;
    }

    /**
     * A waypoint's destination labels, from the upstream peer as istio-proxy fills them: {@code unknown}
     * without one, else the peer's values as they are (an absent workload, version or revision
     * stays empty; the principal is empty, the exchange carries no identity); the service falls
     * back to the canonical service.
     */
    private static int waypointDestination(WorkloadMetadata up, String serviceHost, String serviceHostName,
                                           String[] out, int i) {
        String canonical = up == null ? UNKNOWN : up.canonicalName();
        out[i++] = up == null ? UNKNOWN : up.workloadName();
        out[i++] = or(up == null ? "" : up.namespaceName(), UNKNOWN);
        out[i++] = up == null ? UNKNOWN : "";
        out[i++] = or(up == null ? "" : up.appName(), UNKNOWN);
        out[i++] = up == null ? UNKNOWN : up.appVersion();
        out[i++] = serviceHost.isEmpty() ? canonical : serviceHost;
        out[i++] = canonical;
        out[i++] = up == null ? UNKNOWN : up.canonicalRevision();
        out[i++] = serviceHostName.isEmpty() ? canonical : serviceHostName;
        return i;
    }

    private static Object service(java.util.Map<String, Object> istio) {
        Object services = istio == null ? null : istio.get("services");
        return services instanceof java.util.List<?> l && !l.isEmpty() ? l.get(0) : null;
    }

    /** The service host of an Istio outbound cluster name ({@code outbound|9080|v1|reviews.default.svc.cluster.local}). */
    static String serviceOf(String cluster) {
        String[] parts = cluster.split("\\|", -1);
        if (parts.length == 4 && (parts[0].equals("outbound") || parts[0].equals("inbound")) && !parts[3].isEmpty()) {
            return parts[3];
        }
        return null;
    }

    /** The namespace of a SPIFFE principal: {@code <domain>/ns/<namespace>/sa/<account>}. */
    static String namespaceOf(String principal) {
        int begin = principal.indexOf("/ns/");
        if (begin < 0) {
            return "";
        }
        begin += 4;
        int end = principal.indexOf('/', begin);
        return end < 0 ? principal.substring(begin) : principal.substring(begin, end);
    }

    private static String or(String v, String dflt) {
        return v == null || v.isEmpty() ? dflt : v;
    }
}
