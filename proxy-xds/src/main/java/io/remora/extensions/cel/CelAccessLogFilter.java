package io.remora.extensions.cel;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.extensions.access_loggers.filters.cel.v3.ExpressionFilter;
import io.remora.config.AccessLogFilter;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.Protos;
import io.remora.xds.translate.TranslationContext;

/**
 * {@code envoy.access_loggers.extension_filters.cel} ({@code ExpressionFilter}): a stream is
 * logged when {@code expression} evaluates to true; an error or a non-boolean value does not log,
 * as Envoy's. This is what Istio's Telemetry {@code accessLogging.filter.expression} becomes.
 */
public final class CelAccessLogFilter {

    public static final String TYPE = "envoy.extensions.access_loggers.filters.cel.v3.ExpressionFilter";

    private CelAccessLogFilter() {
    }

    /** {@code typed_config} of an {@code extension_filter}, already known to be an ExpressionFilter. */
    public static AccessLogFilter translate(Any typedConfig, FieldPath path, TranslationContext ctx) {
        ExpressionFilter f = Protos.unpack(typedConfig, ExpressionFilter.class, path);
        CelProgram p = CelEngine.compile(f.getExpression(), path.field("expression"), ctx);
        return new AccessLogFilter.Extension("envoy.access_loggers.extension_filters.cel", new Test(p));
    }

    /** A record, so that filters of equal expressions are equal (an unchanged config is not rebuilt). */
    private record Test(CelProgram program) implements java.util.function.Predicate<io.remora.accesslog.StreamInfo> {
        @Override
        public boolean test(io.remora.accesslog.StreamInfo info) {
            return program.matches(new CelAttributes(info, null, null, null));
        }
    }
}
