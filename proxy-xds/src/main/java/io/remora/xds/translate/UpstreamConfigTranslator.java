package io.remora.xds.translate;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;

/**
 * A cluster's {@code upstream_config}: which generic upstream carries its requests. The HTTP
 * generic and HTTP pools, and the TCP generic pool of tcp_proxy, are what Remora does anyway; the
 * HTTP-over-raw-TCP pool is refused by name, since sending every request's body as raw bytes is
 * not what the cluster would do here (a route's {@code connect_config} terminates CONNECT that way
 * with the generic upstream); any other upstream is warned about.
 */
final class UpstreamConfigTranslator {
    private static final String HTTP_GENERIC = "envoy.extensions.upstreams.http.generic.v3.GenericConnectionPoolProto";
    private static final String HTTP_HTTP = "envoy.extensions.upstreams.http.http.v3.HttpConnectionPoolProto";
    private static final String HTTP_TCP = "envoy.extensions.upstreams.http.tcp.v3.TcpConnectionPoolProto";
    private static final String TCP_GENERIC = "envoy.extensions.upstreams.tcp.generic.v3.GenericConnectionPoolProto";

    private UpstreamConfigTranslator() {
    }

    static void check(Cluster c, FieldPath path, TranslationContext ctx) {
        if (!c.hasUpstreamConfig()) {
            return;
        }
        FieldPath up = path.field("upstream_config");
        if (!c.getUpstreamConfig().hasTypedConfig()) {
            throw up.field("typed_config").error("value is required");
        }
        String type = Protos.typeName(c.getUpstreamConfig().getTypedConfig());
        switch (type) {
            case HTTP_GENERIC, HTTP_HTTP, TCP_GENERIC -> {
                // the upstream every cluster of Remora's uses
            }
            case HTTP_TCP -> throw up.field("typed_config").error(HTTP_TCP + " is not supported: requests are not"
                    + " sent as raw TCP (a route's connect_config terminates CONNECT over TCP with the generic upstream)");
            default -> ctx.warnOnce("cluster.upstream_config", "cluster upstream_config " + type
                    + " is not supported (the generic upstream of the cluster's protocol is used), first at " + up);
        }
    }
}
