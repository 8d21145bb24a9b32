package io.remora.extensions.rate_limit_descriptors.expr;

import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.extensions.rate_limit_descriptors.expr.v3.Descriptor;
import io.remora.accesslog.StreamInfo;
import io.remora.config.RateLimitPolicy;
import io.remora.extensions.cel.CelAttributes;
import io.remora.extensions.cel.CelEngine;
import io.remora.extensions.cel.CelProgram;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.Protos;
import io.remora.xds.translate.TranslationContext;

/**
 * {@code envoy.rate_limit_descriptors.expr}, a rate limit action's {@code extension}: the entry
 * (descriptor_key, the CEL expression's value printed as Envoy's {@code Expr::print}) over the
 * request's attributes. Equal when the expression is.
 */
public record ExprDescriptor(CelProgram program) implements RateLimitPolicy.DescriptorProducer {

    public static final String TYPE = "envoy.extensions.rate_limit_descriptors.expr.v3.Descriptor";

    @Override
    public String value(StreamInfo info) {
        return program.print(new CelAttributes(info, null, null, null));
    }

    /** The action of an extension whose typed_config is a {@link #TYPE}. */
    public static RateLimitPolicy.Action translate(TypedExtensionConfig e, FieldPath path, TranslationContext ctx) {
        FieldPath tp = path.field("typed_config");
        Descriptor d = Protos.unpack(e.getTypedConfig(), Descriptor.class, tp);
        if (d.getDescriptorKey().isEmpty()) {
            throw tp.field("descriptor_key").error("missing required field");
        }
        CelProgram program = switch (d.getExprSpecifierCase()) {
            case TEXT -> CelEngine.compile(d.getText(), tp.field("text"), ctx);
            case PARSED -> CelEngine.parsed(d.getParsed(), tp.field("parsed"), ctx);
            default -> throw tp.error("expression specifier is not set (text or parsed)");
        };
        return new RateLimitPolicy.Extension(d.getDescriptorKey(), d.getSkipIfError(), new ExprDescriptor(program));
    }
}
