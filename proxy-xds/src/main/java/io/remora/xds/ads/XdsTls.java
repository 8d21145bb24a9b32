package io.remora.xds.ads;

import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.Protos;

/**
 * {@code google_grpc.channel_credentials.ssl_credentials} of an xDS source, as PEM: the roots that verify the
 * control plane (null: the system's, as gRPC's default), and the client certificate chain and key offered to it
 * (both null: none).
 */
record XdsTls(String rootCerts, String certChain, String privateKey) {

    /** The service's ssl_credentials, or null when its channel has none (plaintext). */
    static XdsTls of(GrpcService g, String field) {
        if (!g.hasGoogleGrpc() || !g.getGoogleGrpc().getChannelCredentials().hasSslCredentials()) {
            return null;
        }
        var ssl = g.getGoogleGrpc().getChannelCredentials().getSslCredentials();
        FieldPath p = FieldPath.of(field).field("google_grpc").field("channel_credentials").field("ssl_credentials");
        String chain = ssl.hasCertChain() ? Protos.dataSource(ssl.getCertChain(), p.field("cert_chain")) : null;
        String key = ssl.hasPrivateKey() ? Protos.dataSource(ssl.getPrivateKey(), p.field("private_key")) : null;
        if ((chain == null) != (key == null)) {
            throw p.field(chain == null ? "cert_chain" : "private_key").error("cert_chain and private_key go together");
        }
        return new XdsTls(ssl.hasRootCerts() ? Protos.dataSource(ssl.getRootCerts(), p.field("root_certs")) : null,
                chain, key);
    }

    @Override
    public String toString() {
        return "XdsTls[roots=" + (rootCerts != null) + ", client certificate=" + (certChain != null) + "]";
    }
}
