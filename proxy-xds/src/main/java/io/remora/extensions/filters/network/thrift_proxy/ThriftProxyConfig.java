package io.remora.extensions.filters.network.thrift_proxy;

import io.remora.config.NetworkFilterConfig;

import java.util.List;

/**
 * {@code envoy.extensions.filters.network.thrift_proxy.v3.ThriftProxy}.
 *
 * @param statPrefix            stats under {@code thrift.<stat_prefix>.}
 * @param transport             the downstream transport (AUTO: detected on the first message)
 * @param protocol              the downstream protocol (AUTO: detected)
 * @param routes                {@code route_config.routes}, first match wins
 * @param maxRequestsPerConnection 0: unlimited
 * @param headerKeysPreserveCase header transport keys kept as sent instead of lower-cased
 * @param closeDownstreamOnUpstreamError the router's {@code close_downstream_on_upstream_error}
 * @param filters               the thrift filters before the router, in order
 * @param accessLogs            {@code access_log}: one entry per request
 * @param payloadPassthrough    {@code payload_passthrough}: counted as Envoy counts it (bodies in the
 *                              same protocol are always forwarded as they came)
 * @param routed                the chain ends in the router (or names no filter): false when
 *                              {@code thrift_filters} leaves it out, and requests go nowhere, as in Envoy
 */
public record ThriftProxyConfig(String statPrefix, Transport transport, Protocol protocol, List<ThriftRoute> routes,
                                int maxRequestsPerConnection, boolean headerKeysPreserveCase,
                                boolean closeDownstreamOnUpstreamError, List<ThriftRequestFilter> filters,
                                List<io.remora.config.AccessLogConfig> accessLogs, boolean payloadPassthrough,
                                boolean routed)
        implements NetworkFilterConfig {

    public static final String NAME = "envoy.filters.network.thrift_proxy";

    public enum Transport { AUTO, FRAMED, UNFRAMED, HEADER }

    public enum Protocol { AUTO, BINARY, LAX_BINARY, COMPACT }

    /** A cluster's {@code ThriftProtocolOptions}: AUTO keeps the downstream's. */
    public record UpstreamOptions(Transport transport, Protocol protocol) {
    }

    public ThriftProxyConfig {
        routes = List.copyOf(routes);
        filters = List.copyOf(filters);
        accessLogs = List.copyOf(accessLogs);
    }

    @Override
    public String filterName() {
        return NAME;
    }

    public static Builder builder(String statPrefix) {
        return new Builder(statPrefix);
    }

    public static final class Builder {
        private final String statPrefix;
        private Transport transport = Transport.AUTO;
        private Protocol protocol = Protocol.AUTO;
        private List<ThriftRoute> routes = List.of();
        private int maxRequestsPerConnection;
        private boolean headerKeysPreserveCase;
        private boolean closeDownstreamOnUpstreamError = true;
        private List<ThriftRequestFilter> filters = List.of();
        private List<io.remora.config.AccessLogConfig> accessLogs = List.of();
        private boolean payloadPassthrough;
        private boolean routed = true;

        private Builder(String statPrefix) {
            this.statPrefix = statPrefix;
        }

        public Builder transport(Transport v) {
            transport = v;
            return this;
        }

        public Builder protocol(Protocol v) {
            protocol = v;
            return this;
        }

        public Builder routes(List<ThriftRoute> v) {
            routes = v;
            return this;
        }

        public Builder maxRequestsPerConnection(int v) {
            maxRequestsPerConnection = v;
            return this;
        }

        public Builder headerKeysPreserveCase(boolean v) {
            headerKeysPreserveCase = v;
            return this;
        }

        public Builder closeDownstreamOnUpstreamError(boolean v) {
            closeDownstreamOnUpstreamError = v;
            return this;
        }

        public Builder filters(List<ThriftRequestFilter> v) {
            filters = v;
            return this;
        }

        public Builder accessLogs(List<io.remora.config.AccessLogConfig> v) {
            accessLogs = v;
            return this;
        }

        public Builder payloadPassthrough(boolean v) {
            payloadPassthrough = v;
            return this;
        }

        public Builder routed(boolean v) {
            routed = v;
            return this;
        }

        public ThriftProxyConfig build() {
            return new ThriftProxyConfig(statPrefix, transport, protocol, routes, maxRequestsPerConnection,
                    headerKeysPreserveCase, closeDownstreamOnUpstreamError, filters, accessLogs,
                    payloadPassthrough, routed);
        }
    }
}
