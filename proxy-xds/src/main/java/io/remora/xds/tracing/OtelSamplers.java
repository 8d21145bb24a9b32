package io.remora.xds.tracing;

import io.envoyproxy.envoy.config.trace.v3.OpenTelemetryConfig;
import io.envoyproxy.envoy.extensions.tracers.opentelemetry.samplers.v3.CELSamplerConfig;
import io.remora.extensions.cel.CelAttributes;
import io.remora.extensions.cel.CelInputMatcher;
import io.remora.extensions.cel.CelProgram;
import io.remora.tracing.SpanSampler;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.Protos;
import io.remora.xds.translate.TranslationContext;

/**
 * The OpenTelemetry tracer's {@code sampler}: {@code always_on} and Envoy's CEL sampler (a span
 * is sampled when the expression is {@code true}; false, another type or an error drops it, as
 * Envoy's CELSampler). Others are warned about and the connection manager's sampling decides.
 */
public final class OtelSamplers {

    static final String ALWAYS_ON = "envoy.extensions.tracers.opentelemetry.samplers.v3.AlwaysOnSamplerConfig";
    static final String CEL = "envoy.extensions.tracers.opentelemetry.samplers.v3.CELSamplerConfig";

    private OtelSamplers() {
    }

    /** The sampler of {@code o} at {@code path} (the tracer's config), null when none is built. */
    public static SpanSampler of(OpenTelemetryConfig o, FieldPath path, TranslationContext ctx) {
        if (!o.hasSampler()) {
            return null;
        }
        FieldPath sp = path.field("sampler");
        String type = o.getSampler().hasTypedConfig() ? Protos.typeName(o.getSampler().getTypedConfig()) : "";
        if (type.equals(ALWAYS_ON)) {
            return SpanSampler.ALWAYS_ON;
        }
        if (type.equals(CEL)) {
            CELSamplerConfig c = Protos.unpack(o.getSampler().getTypedConfig(), CELSamplerConfig.class,
                    sp.field("typed_config"));
            FieldPath ep = sp.field("typed_config").field("expression");
            if (!c.hasExpression()) {
                throw ep.error("missing required field");
            }
            CelProgram program = CelInputMatcher.program(c.getExpression(), ep);
            return (info, requestHeaders, node) -> info != null
                    && program.matches(new CelAttributes(info, null, node, null));
        }
        ctx.warnOnce("tracing.otel.sampler:" + type, "OpenTelemetry sampler " + (type.isEmpty() ? "'"
                + o.getSampler().getName() + "'" : type) + " is not supported; the connection manager's sampling"
                + " decides, first at " + sp);
        return null;
    }
}
