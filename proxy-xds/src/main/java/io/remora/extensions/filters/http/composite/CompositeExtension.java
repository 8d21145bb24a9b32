package io.remora.extensions.filters.http.composite;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.extensions.filters.http.composite.v3.Composite;
import io.envoyproxy.envoy.extensions.filters.http.composite.v3.ExecuteFilterAction;
import io.remora.config.HttpFilterConfig;
import io.remora.extensions.HttpFilterExtension;
import io.remora.extensions.filters.http.match_delegate.DelegatedFilters;
import io.remora.extensions.filters.http.match_delegate.FilterMatchAction;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.Protos;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/**
 * {@code envoy.filters.http.composite} and its {@code ExecuteFilterAction}. Alone the filter does
 * nothing; inside an {@code ExtensionWithMatcher} each stream runs the filter its matcher picks.
 */
public final class CompositeExtension implements HttpFilterExtension<CompositeConfig> {

    private static final String TYPE = "envoy.extensions.filters.http.composite.v3.Composite";

    @Override
    public List<String> names() {
        return List.of(CompositeConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of(TYPE);
    }

    @Override
    public CompositeConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config != null) {
            config.unpack(Composite.class, path);
        }
        return new CompositeConfig();
    }

    /** An {@code ExecuteFilterAction} (a matcher action's {@code typed_config}). */
    public static FilterMatchAction action(Any any, FieldPath path, TranslationContext ctx) {
        ExecuteFilterAction a = Protos.unpack(any, ExecuteFilterAction.class, path);
        if (a.hasDynamicConfig() && a.hasTypedConfig()) {
            throw path.error("only one of dynamic_config and typed_config can be set");
        }
        if (a.hasDynamicConfig()) {
            throw path.field("dynamic_config").error("filter config discovery (ECDS) for a composite action is"
                    + " not supported; configure the filter in typed_config");
        }
        if (!a.hasTypedConfig()) {
            throw path.field("typed_config").error("missing required field");
        }
        HttpFilterConfig filter = DelegatedFilters.translate(a.getTypedConfig(), path.field("typed_config"), ctx);
        double ratio = 1;
        String runtimeKey = "";
        if (a.hasSamplePercent()) {
            FieldPath sp = path.field("sample_percent");
            var d = a.getSamplePercent().getDefaultValue();
            double denominator = switch (d.getDenominator()) {
                case HUNDRED -> 100;
                case TEN_THOUSAND -> 10_000;
                case MILLION -> 1_000_000;
                default -> throw sp.field("default_value").field("denominator").error("unknown denominator "
                        + d.getDenominatorValue());
            };
            ratio = d.getNumerator() / denominator;
            if (ratio > 1) {
                throw sp.field("default_value").error("the sample ratio " + d.getNumerator() + "/"
                        + (long) denominator + " is above 1");
            }
            runtimeKey = a.getSamplePercent().getRuntimeKey();
        }
        return new ExecuteFilter(filter, ratio, runtimeKey);
    }

    @Override
    public HttpFilterFactory.Provider<CompositeConfig> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            public Class<CompositeConfig> configType() {
                return CompositeConfig.class;
            }

            @Override
            public HttpFilterFactory create(CompositeConfig config, ServerContext context) {
                return create(config, context, "");
            }

            @Override
            public HttpFilterFactory create(CompositeConfig config, ServerContext context, String statPrefix) {
                CompositeStats stats = CompositeStats.of(context.stats().meterRegistry(), statPrefix);
                return () -> new CompositeFilter(stats);
            }
        };
    }
}
