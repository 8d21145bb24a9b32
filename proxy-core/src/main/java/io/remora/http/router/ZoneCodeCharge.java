package io.remora.http.router;

import io.remora.upstream.Host;

/**
 * Where the router charges Envoy's {@code cluster.<name>[.<alt stat name>].zone.<local>.<upstream>.*} code stats:
 * its response-code and response-time charge points, with the node's zone (Envoy's router
 * {@code zone_name_}: node.locality.zone or {@code --service-zone}) and the host's locality zone.
 * The node is read at each charge (the server's snapshot, which a router built with the first
 * config does not see yet); without a zone, the common case, that read and one check are all.
 */
final class ZoneCodeCharge {
    private ZoneCodeCharge() {
    }

    /** At chargeUpstreamCode: a local reply without a host has no upstream zone, so no zone stat. */
    static void response(RouterFilter r, int status, Host host) {
        String from = localZone(r);
        if (!from.isEmpty() && host != null) {
            r.stats.zones.response(from, zone(host), status);
            if (r.altStats != null) {
                r.altStats.zones.response(from, zone(host), status);
            }
        }
    }

    /** At the response time charge of a completed try. */
    static void time(RouterFilter r, long millis, Host host) {
        String from = localZone(r);
        if (!from.isEmpty() && host != null) {
            r.stats.zones.time(from, zone(host), millis);
            if (r.altStats != null) {
                r.altStats.zones.time(from, zone(host), millis);
            }
        }
    }

    private static String localZone(RouterFilter r) {
        String zone = r.cb.serverContext().node().zone();
        return zone == null ? "" : zone;
    }

    private static String zone(Host host) {
        return host.locality() == null ? null : host.locality().zone();
    }
}
