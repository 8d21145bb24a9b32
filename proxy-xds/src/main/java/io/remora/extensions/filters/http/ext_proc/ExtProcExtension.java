package io.remora.extensions.filters.http.ext_proc;

import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExtProcOverrides;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.MetadataOptions;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.HttpFilterExtension;
import io.remora.extensions.filters.common.HeaderMutationChecker;
import io.remora.extensions.filters.http.ext_authz.ExtAuthzExtension;
import io.remora.extensions.filters.http.ext_authz.GrpcServiceConfig;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code envoy.filters.http.ext_proc} ({@code envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor},
 * per route {@code ExtProcPerRoute}). Options that would change what the processor sees or may
 * do in ways Remora cannot honour are refused;
 * attributes that only add information for the processor are ignored with a warning.
 */
public final class ExtProcExtension implements HttpFilterExtension<ExtProcConfig> {

    private static final Duration MAX_TIMEOUT = Duration.ofHours(1);

    @Override
    public List<String> names() {
        return List.of(ExtProcConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor");
    }

    @Override
    public List<String> perRouteConfigTypes() {
        return List.of("envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute");
    }

    @Override
    public boolean enforcesAccess() {
        return true;
    }

    @Override
    public ExtProcConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field: the ext_proc filter needs a typed_config");
        }
        ExternalProcessor e = config.unpack(ExternalProcessor.class, path);
        if (e.hasHttpService()) {
            throw path.field("http_service").error("an HTTP external processor is not supported; use grpc_service");
        }
        if (!e.hasGrpcService()) {
            throw path.error("missing required field: grpc_service");
        }
        ExtProcConfig.Builder b = ExtProcConfig.builder(service(e.getGrpcService(), path.field("grpc_service"), ctx))
                .failureModeAllow(e.getFailureModeAllow())
                .statPrefix(e.getStatPrefix())
                .allowModeOverride(e.getAllowModeOverride())
                .disableClearRouteCache(e.getDisableClearRouteCache())
                .disableImmediateResponse(e.getDisableImmediateResponse());
        if (e.hasProcessingMode()) {
            ExtProcMode m = mode(e.getProcessingMode(), path.field("processing_mode"));
            // Envoy 1.36 takes failure_mode_allow with FULL_DUPLEX_STREAMED again (#40503 reverted #39740):
            // the filter fails open only until a body chunk went to the processor.
            duplexRules(m, path.field("processing_mode"));
            b.mode(m);
        }
        List<ExtProcMode> overrideModes = new ArrayList<>();
        for (int i = 0; i < e.getAllowedOverrideModesCount(); i++) {
            overrideModes.add(mode(e.getAllowedOverrideModes(i), path.field("allowed_override_modes").index(i)));
        }
        b.allowedOverrideModes(overrideModes);
        if (e.hasMessageTimeout()) {
            b.messageTimeout(timeout(e.getMessageTimeout(), path.field("message_timeout")));
        }
        if (e.hasMaxMessageTimeout()) {
            b.maxMessageTimeout(timeout(e.getMaxMessageTimeout(), path.field("max_message_timeout")));
        }
        switch (e.getRouteCacheAction()) {
            case DEFAULT -> { }
            case CLEAR -> b.routeCacheAction(ExtProcConfig.RouteCacheAction.CLEAR);
            case RETAIN -> b.routeCacheAction(ExtProcConfig.RouteCacheAction.RETAIN);
            default -> throw path.field("route_cache_action").error("unknown value " + e.getRouteCacheActionValue());
        }
        if (e.getDisableClearRouteCache() && e.getRouteCacheActionValue() != 0) {
            throw path.field("route_cache_action").error("cannot be set together with disable_clear_route_cache");
        }
        if (e.hasMutationRules()) {
            b.mutationRules(HeaderMutationChecker.translate(e.getMutationRules(), path.field("mutation_rules")));
        }
        if (e.hasForwardRules()) {
            FieldPath fr = path.field("forward_rules");
            if (e.getForwardRules().hasAllowedHeaders()) {
                b.allowedHeaders(ExtAuthzExtension.matchers(e.getForwardRules().getAllowedHeaders(),
                        fr.field("allowed_headers")));
            }
            if (e.getForwardRules().hasDisallowedHeaders()) {
                b.disallowedHeaders(ExtAuthzExtension.matchers(e.getForwardRules().getDisallowedHeaders(),
                        fr.field("disallowed_headers")));
            }
        }
        if (e.hasMetadataOptions()) {
            MetadataOptions m = e.getMetadataOptions();
            FieldPath mp = path.field("metadata_options");
            List<String> forwarding = forwarding(m, mp);
            List<String> receiving = receiving(m, mp);
            b.forwardingNamespaces(forwarding == null ? List.of() : forwarding);
            b.receivingNamespaces(receiving == null ? List.of() : receiving);
        }
        if (e.getObservabilityMode()) {
            b.observabilityMode(true);
            if (e.hasDeferredCloseTimeout()) {
                b.deferredCloseTimeout(timeout(e.getDeferredCloseTimeout(), path.field("deferred_close_timeout")));
            }
            ExtProcMode m = e.hasProcessingMode() ? mode(e.getProcessingMode(), path.field("processing_mode"))
                    : ExtProcMode.DEFAULT;
            if (unobserved(m.requestBody()) || unobserved(m.responseBody())) {
                // As Envoy: an observer is sent streamed bodies only.
                ctx.warnOnce("ext_proc:observability_body", "ext_proc observability_mode sends STREAMED bodies"
                        + " only; BUFFERED, BUFFERED_PARTIAL and FULL_DUPLEX_STREAMED bodies are not sent, first at "
                        + path.field("processing_mode"));
            }
        } else if (e.hasDeferredCloseTimeout()) {
            ctx.warnOnce("ext_proc:deferred_close", "ignoring ext_proc deferred_close_timeout (observability mode"
                    + " only), first at " + path.field("deferred_close_timeout"));
        }
        b.sendBodyWithoutWaiting(e.getSendBodyWithoutWaitingForHeaderResponse());
        if (e.hasOnProcessingResponse()) {
            throw path.field("on_processing_response").error("processing response extensions are not supported");
        }
        b.requestAttributes(ExtProcAttributes.compile(e.getRequestAttributesList(), path.field("request_attributes"),
                ctx));
        b.responseAttributes(ExtProcAttributes.compile(e.getResponseAttributesList(),
                path.field("response_attributes"), ctx));
        if (e.hasFilterMetadata()) {
            ctx.warnOnce("ext_proc:filter_metadata", "ignoring ext_proc filter_metadata (not logged), first at "
                    + path.field("filter_metadata"));
        }
        return b.build();
    }

    private static GrpcServiceConfig service(io.envoyproxy.envoy.config.core.v3.GrpcService g, FieldPath path,
                                             TranslationContext ctx) {
        GrpcServiceConfig s = io.remora.xds.translate.GrpcServiceTranslator.retryingEnvoyGrpcAnyCluster(g, path);
        // The stream lives as long as the request; message_timeout bounds each answer instead.
        return s.withTimeout(null);
    }

    static ExtProcMode mode(ProcessingMode m, FieldPath path) {
        return new ExtProcMode(
                sendHeaders(m.getRequestHeaderMode(), path.field("request_header_mode")),
                body(m.getRequestBodyMode(), path.field("request_body_mode")),
                sendTrailers(m.getRequestTrailerMode(), path.field("request_trailer_mode")),
                sendHeaders(m.getResponseHeaderMode(), path.field("response_header_mode")),
                body(m.getResponseBodyMode(), path.field("response_body_mode")),
                sendTrailers(m.getResponseTrailerMode(), path.field("response_trailer_mode")));
    }

    /** Envoy's verifyProcessingModeConfig: a FULL_DUPLEX_STREAMED body needs its trailers sent (they end it). */
    private static void duplexRules(ExtProcMode m, FieldPath path) {
        if (m.requestBody() == ExtProcMode.Body.FULL_DUPLEX_STREAMED && !m.requestTrailers()) {
            throw path.field("request_trailer_mode").error("If the ext_proc filter has the request_body_mode set to"
                    + " FULL_DUPLEX_STREAMED, then the request_trailer_mode has to be set to SEND");
        }
        if (m.responseBody() == ExtProcMode.Body.FULL_DUPLEX_STREAMED && !m.responseTrailers()) {
            throw path.field("response_trailer_mode").error("If the ext_proc filter has the response_body_mode set"
                    + " to FULL_DUPLEX_STREAMED, then the response_trailer_mode has to be set to SEND");
        }
    }

    private static boolean sendHeaders(ProcessingMode.HeaderSendMode m, FieldPath path) {
        return switch (m) {
            case DEFAULT, SEND -> true;
            case SKIP -> false;
            default -> throw path.error("unknown value");
        };
    }

    private static boolean sendTrailers(ProcessingMode.HeaderSendMode m, FieldPath path) {
        return switch (m) {
            case DEFAULT, SKIP -> false;
            case SEND -> true;
            default -> throw path.error("unknown value");
        };
    }

    /** A body mode Remora runs, or null (also for the processor's {@code mode_override}). */
    static ExtProcMode.Body body(ProcessingMode.BodySendMode m) {
        return switch (m) {
            case NONE -> ExtProcMode.Body.NONE;
            case STREAMED -> ExtProcMode.Body.STREAMED;
            case BUFFERED -> ExtProcMode.Body.BUFFERED;
            case BUFFERED_PARTIAL -> ExtProcMode.Body.BUFFERED_PARTIAL;
            case FULL_DUPLEX_STREAMED -> ExtProcMode.Body.FULL_DUPLEX_STREAMED;
            default -> null;
        };
    }

    private static ExtProcMode.Body body(ProcessingMode.BodySendMode m, FieldPath path) {
        ExtProcMode.Body b = body(m);
        if (b == null) {
            throw path.error("unknown body mode " + m);
        }
        return b;
    }

    private static boolean unobserved(ExtProcMode.Body b) {
        return b != ExtProcMode.Body.NONE && b != ExtProcMode.Body.STREAMED;
    }

    private static Duration timeout(com.google.protobuf.Duration d, FieldPath path) {
        Duration t = Duration.ofSeconds(d.getSeconds(), d.getNanos());
        if (t.isNegative() || t.compareTo(MAX_TIMEOUT) > 0) {
            throw path.error("must be between 0s and 3600s");
        }
        return t;
    }


    private static List<String> forwarding(MetadataOptions m, FieldPath path) {
        if (m.getForwardingNamespaces().getTypedCount() > 0) {
            throw path.field("forwarding_namespaces").field("typed").error("typed metadata is not supported");
        }
        return m.hasForwardingNamespaces() ? m.getForwardingNamespaces().getUntypedList() : null;
    }

    private static List<String> receiving(MetadataOptions m, FieldPath path) {
        if (m.getReceivingNamespaces().getTypedCount() > 0) {
            throw path.field("receiving_namespaces").field("typed").error("typed metadata is not supported");
        }
        return m.hasReceivingNamespaces() ? m.getReceivingNamespaces().getUntypedList() : null;
    }

    @Override
    public RouteFilterConfig translatePerRoute(TypedConfig config, FieldPath path, TranslationContext ctx) {
        ExtProcPerRoute p = config.unpack(ExtProcPerRoute.class, path);
        return switch (p.getOverrideCase()) {
            case DISABLED -> {
                if (!p.getDisabled()) {
                    throw path.field("disabled").error("must be true");
                }
                yield new ExtProcPerRouteConfig(true, null, null, List.of(), null, null);
            }
            case OVERRIDES -> overrides(p.getOverrides(), path.field("overrides"), ctx);
            case OVERRIDE_NOT_SET -> throw path.error("missing required field: one of disabled, overrides");
        };
    }

    private static ExtProcPerRouteConfig overrides(ExtProcOverrides o, FieldPath path, TranslationContext ctx) {
        if (o.getAsyncMode()) {
            throw path.field("async_mode").error("asynchronous processing is not supported");
        }
        if (o.getRequestAttributesCount() > 0 || o.getResponseAttributesCount() > 0) {
            // Envoy does not implement these overrides either: the filter's own attributes are sent.
            ctx.warnOnce("ext_proc:route_attributes", "ignoring per-route ext_proc request_attributes and"
                    + " response_attributes (not implemented by Envoy), first at " + path);
        }
        List<Map.Entry<String, String>> md = io.remora.xds.translate.GrpcServiceTranslator.metadata(
                o.getGrpcInitialMetadataList(), path.field("grpc_initial_metadata"));
        FieldPath mp = path.field("metadata_options");
        return new ExtProcPerRouteConfig(false,
                o.hasProcessingMode() ? routeMode(o.getProcessingMode(), path.field("processing_mode")) : null,
                o.hasGrpcService() ? service(o.getGrpcService(), path.field("grpc_service"), ctx) : null, md,
                o.hasMetadataOptions() ? forwarding(o.getMetadataOptions(), mp) : null,
                o.hasMetadataOptions() ? receiving(o.getMetadataOptions(), mp) : null);
    }

    /**
     * A route's mode: Envoy checks the duplex trailer rule on the filter's only, but a duplex body
     * whose trailers are not sent could never end, so it is refused here too.
     */
    private static ExtProcMode routeMode(ProcessingMode p, FieldPath path) {
        ExtProcMode m = mode(p, path);
        duplexRules(m, path);
        return m;
    }

    @Override
    public HttpFilterFactory.Provider<ExtProcConfig> runtime() {
        return new ExtProcFilterProvider();
    }
}
