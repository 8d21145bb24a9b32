package io.remora.xds.translate;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.trace.v3.ClientConfig;
import io.envoyproxy.envoy.config.trace.v3.SkyWalkingConfig;
import io.remora.config.TracingConfig;
import io.remora.extensions.filters.http.ext_authz.GrpcServiceConfig;
import io.remora.xds.ads.XdsTarget;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code envoy.tracers.skywalking}'s {@code SkyWalkingConfig} to a {@link TracingConfig.SkyWalking}. */
final class SkyWalkingTranslator {

    /** Envoy's DEFAULT_DELAYED_SEGMENTS_CACHE_SIZE. */
    private static final int DEFAULT_MAX_CACHE_SIZE = 1024;

    private SkyWalkingTranslator() {
    }

    static TracingConfig.Provider translate(Any any, FieldPath path, TranslationContext ctx) {
        SkyWalkingConfig s = Protos.unpack(any, SkyWalkingConfig.class, path);
        if (!s.hasGrpcService()) {
            throw path.field("grpc_service").error("missing required field");
        }
        ClientConfig c = s.getClientConfig();
        Map<String, String> metadata = new LinkedHashMap<>();
        TracingConfig.GrpcCollector collector = collector(s.getGrpcService(), path.field("grpc_service"), ctx, metadata);
        for (String key : metadata.keySet()) {
            if (key.endsWith("-bin")) {
                throw path.field("grpc_service").field("initial_metadata").error("binary metadata ('" + key
                        + "') is not supported for the SkyWalking collector");
            }
        }
        if (!c.getBackendToken().isEmpty()) {
            // Envoy sends the token as the stream's "authentication" header, what the OAP checks.
            metadata.put("authentication", c.getBackendToken());
            collector = new TracingConfig.GrpcCollector(collector.cluster(), collector.authority(),
                    collector.targetUri(), metadata);
        }
        int maxCache = c.hasMaxCacheSize() ? c.getMaxCacheSize().getValue() : DEFAULT_MAX_CACHE_SIZE;
        if (maxCache < 0) {
            // a uint32 over Integer.MAX_VALUE: as good as unbounded
            maxCache = Integer.MAX_VALUE;
        }
        return new TracingConfig.SkyWalking(collector, c.getServiceName(), c.getInstanceName(), maxCache);
    }

    /**
     * {@code envoy_grpc} as the other gRPC clients take it; {@code google_grpc} by its plaintext
     * {@code host:port} target. Credentials for google_grpc cannot be honoured (the stream would go
     * without the TLS or tokens asked for), so they are refused.
     */
    private static TracingConfig.GrpcCollector collector(GrpcService g, FieldPath path, TranslationContext ctx,
                                                         Map<String, String> metadata) {
        if (!g.hasGoogleGrpc()) {
            GrpcServiceTranslator.checkSupported(g, path);
            GrpcServiceConfig e = GrpcServiceTranslator.envoyGrpc(g, false, path, ctx);
            e.initialMetadata().forEach(m -> metadata.put(m.getKey(), m.getValue()));
            return new TracingConfig.GrpcCollector(e.cluster(), e.authority(), "", metadata);
        }
        GrpcService.GoogleGrpc gg = g.getGoogleGrpc();
        FieldPath gp = path.field("google_grpc");
        GrpcServiceTranslator.checkGoogleGrpc(g, false, path);
        XdsTarget target;
        try {
            target = XdsTarget.parse(gg.getTargetUri());
        } catch (IllegalArgumentException e) {
            throw gp.field("target_uri").error("not a host:port target: '" + gg.getTargetUri() + "'");
        }
        if (target.isUds()) {
            throw gp.field("target_uri").error("unix targets are not supported for the SkyWalking collector");
        }
        GrpcServiceTranslator.initialMetadata(g, path).forEach(m -> metadata.put(m.getKey(), m.getValue()));
        return new TracingConfig.GrpcCollector("", "", target.host() + ":" + target.port(), metadata);
    }
}
