package io.remora.xds.translate;

import io.remora.config.ClusterConfig;

/** A cluster's {@code upstream_http_protocol_options} (auto SNI and SAN validation) and whether they can check anything. */
public final class AutoSniTranslator {

    private AutoSniTranslator() {
    }

    /** {@code upstream_http_protocol_options}; null when it asks for nothing. */
    static io.remora.config.AutoSniConfig translate(io.envoyproxy.envoy.config.core.v3.UpstreamHttpProtocolOptions o,
                                                    FieldPath path) {
        String header = o.getOverrideAutoSniHeader();
        if (!header.isEmpty() && !HEADER_NAME.matcher(header).matches()) {
            throw path.field("override_auto_sni_header").error("'" + header + "' is not an HTTP header name");
        }
        return io.remora.config.AutoSniConfig.of(o.getAutoSni(), o.getAutoSanValidation(), header);
    }

    /**
     * A cluster's options for a client outside the cluster manager (the xDS server's channel): the typed
     * HttpProtocolOptions' {@code upstream_http_protocol_options} when the cluster has typed options, else its own,
     * as ClusterTranslator reads them; null when they ask for nothing.
     */
    public static io.remora.config.AutoSniConfig ofCluster(io.envoyproxy.envoy.config.cluster.v3.Cluster c,
                                                           FieldPath path) {
        var typed = c.getTypedExtensionProtocolOptionsMap().get(ClusterTranslator.HTTP_PROTOCOL_OPTIONS);
        if (typed != null) {
            FieldPath op = path.field("typed_extension_protocol_options").key(ClusterTranslator.HTTP_PROTOCOL_OPTIONS);
            var o = Protos.unpack(typed, io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.class, op);
            return o.hasUpstreamHttpProtocolOptions()
                    ? translate(o.getUpstreamHttpProtocolOptions(), op.field("upstream_http_protocol_options")) : null;
        }
        return c.hasUpstreamHttpProtocolOptions()
                ? translate(c.getUpstreamHttpProtocolOptions(), path.field("upstream_http_protocol_options")) : null;
    }

    /** Envoy's HTTP_HEADER_NAME rule (RFC 7230 token, a leading ':' allowed). */
    private static final java.util.regex.Pattern HEADER_NAME =
            java.util.regex.Pattern.compile("^:?[0-9a-zA-Z!#$%&'*+\\-.^_|~`]+$");

    /** Whether some transport socket of the cluster verifies its peer (a trusted CA, inline or from SDS). */
    static boolean verifiesPeer(io.remora.config.TransportSocketConfig tls,
                                java.util.List<ClusterConfig.TransportSocketMatch> matches) {
        boolean any = verifies(tls);
        for (ClusterConfig.TransportSocketMatch m : matches) {
            any |= verifies(m.transportSocket());
        }
        return any;
    }

    private static boolean verifies(io.remora.config.TransportSocketConfig ts) {
        return ts != null && (ts.validationSdsName() != null
                || ts.validation() != null && (ts.validation().trustedCaPem() != null || ts.validation().spiffe()));
    }
}
