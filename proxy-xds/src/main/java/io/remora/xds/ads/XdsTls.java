package io.remora.xds.ads;

import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.Protos;

/**
 * {@code google_grpc.channel_credentials.ssl_credentials} of an xDS source, as PEM: the roots that verify the
 * control plane (null: the system's, as gRPC's default), and the client certificate chain and key offered to it
 * (both null: none); and the {@code channel_args} grpc-core reads for such a channel,
 * {@code grpc.ssl_target_name_override} and {@code grpc.default_authority} (null: not given).
 */
record XdsTls(String rootCerts, String certChain, String privateKey, String targetNameOverride,
              String defaultAuthority) {

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
        var args = g.getGoogleGrpc().getChannelArgs().getArgsMap();
        return new XdsTls(ssl.hasRootCerts() ? Protos.dataSource(ssl.getRootCerts(), p.field("root_certs")) : null,
                chain, key, arg(args, "grpc.ssl_target_name_override"), arg(args, "grpc.default_authority"));
    }

    private static String arg(java.util.Map<String, GrpcService.GoogleGrpc.ChannelArgs.Value> args, String name) {
        var v = args.get(name);
        return v == null ? null : v.getStringValue();
    }

    /**
     * grpc-core's: the :authority is {@code grpc.default_authority}, else {@code grpc.ssl_target_name_override},
     * else (null) the target's.
     */
    String authority() {
        return defaultAuthority != null ? defaultAuthority : targetNameOverride;
    }

    /**
     * grpc-core's SNI: {@code grpc.ssl_target_name_override} as given, else the host of the channel's authority
     * ({@code targetHost} when none is set); never an IP address (null then).
     */
    String sni(String targetHost) {
        String name = targetNameOverride != null ? targetNameOverride
                : authority() != null ? io.remora.http.router.AutoSniNames.host(authority()) : targetHost;
        return name == null || name.isEmpty() || io.netty.util.NetUtil.isValidIpV4Address(name)
                || io.netty.util.NetUtil.isValidIpV6Address(name) ? null : name;
    }

    @Override
    public String toString() {
        return "XdsTls[roots=" + (rootCerts != null) + ", client certificate=" + (certChain != null)
                + ", target name override=" + targetNameOverride + ", default authority=" + defaultAuthority + "]";
    }
}
