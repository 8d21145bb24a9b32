package io.remora.xds.ads;

import java.util.Set;

/**
 * What requests ask of the client on demand and wait for: VHDS virtual hosts, on-demand CDS clusters and SRDS
 * scopes. Each is told of the responses and the snapshots applied that may answer it. Control thread only.
 */
record OnDemandLookups(OnDemandVirtualHosts hosts, OnDemandClusters clusters, OnDemandScopes scopes) {

    /** A response arrived, before it is applied. */
    void received(XdsUpdate u) {
        if (u.type() == XdsResourceType.VIRTUAL_HOST) {
            hosts.received(u.answered());
        }
        if (u.type() == XdsResourceType.CLUSTER) {
            clusters.removedBy(u.removed());
        }
    }

    /** {@code snapshot}, bringing the updates of {@code types}, was applied. */
    void applied(Set<XdsResourceType> types, XdsSnapshot snapshot) {
        if (types.contains(XdsResourceType.VIRTUAL_HOST)) {
            hosts.settled(); // the route tables now hold what VHDS answered
        }
        if (types.contains(XdsResourceType.CLUSTER)) {
            clusters.applied(snapshot);
        }
        scopes.applied(snapshot);
    }

    void close() {
        hosts.close();
        clusters.close();
        scopes.close();
    }
}
