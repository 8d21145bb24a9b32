package io.remora.extensions.filters.http.match_delegate;

import com.github.xds.type.matcher.v3.Matcher;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.extensions.common.matching.v3.ExtensionWithMatcher;
import io.envoyproxy.envoy.extensions.common.matching.v3.ExtensionWithMatcherPerRoute;
import io.remora.config.HttpFilterConfig;
import io.remora.config.RouteFilterConfig;
import io.remora.config.UnifiedMatcher;
import io.remora.extensions.HttpFilterExtension;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.http.filter.StreamDecoderFilter;
import io.remora.matching.UnifiedMatcherEvaluator;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;
import java.util.function.Function;

/**
 * {@code envoy.extensions.common.matching.v3.ExtensionWithMatcher} around an HTTP filter (Envoy's
 * {@code MatchDelegateConfig}): the wrapped filter is translated and built by its own extension,
 * and each stream gets it inside a {@link MatchDelegatingFilter}.
 */
public final class MatchDelegateExtension implements HttpFilterExtension<MatchDelegateConfig> {

    private static final String TYPE = "envoy.extensions.common.matching.v3.ExtensionWithMatcher";
    private static final String PER_ROUTE_TYPE = "envoy.extensions.common.matching.v3.ExtensionWithMatcherPerRoute";

    @Override
    public List<String> names() {
        return List.of(MatchDelegateConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of(TYPE);
    }

    @Override
    public boolean supports(TypedConfig config) {
        if (config == null) {
            return true;
        }
        try {
            return DelegatedFilters.runnable(config.unpack(ExtensionWithMatcher.class, FieldPath.of("typed_config"))
                    .getExtensionConfig());
        } catch (io.remora.xds.translate.TranslationException e) {
            return true; // malformed: translate names the field
        }
    }

    @Override
    public List<String> perRouteConfigTypes() {
        return List.of(PER_ROUTE_TYPE);
    }

    @Override
    public MatchDelegateConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("an ExtensionWithMatcher needs its typed_config");
        }
        ExtensionWithMatcher c = config.unpack(ExtensionWithMatcher.class, path);
        if (!c.hasExtensionConfig()) {
            throw path.field("extension_config").error("missing required field");
        }
        HttpFilterConfig wrapped = DelegatedFilters.translate(c.getExtensionConfig(),
                path.field("extension_config"), ctx);
        UnifiedMatcher<FilterMatchAction> matcher;
        if (c.hasXdsMatcher()) {
            matcher = FilterMatcherTranslator.translate(c.getXdsMatcher(), path.field("xds_matcher"), wrapped, ctx);
        } else if (c.hasMatcher()) {
            matcher = FilterMatcherTranslator.translate(legacy(c, path), path.field("matcher"), wrapped, ctx);
        } else {
            matcher = null;
            ctx.warnOnce("match_delegate_no_matcher:" + path, "ExtensionWithMatcher at " + path + " has no"
                    + " matcher: as in Envoy, the filter '" + c.getExtensionConfig().getName() + "' never runs");
        }
        return new MatchDelegateConfig(wrapped, matcher);
    }

    /**
     * A route's matcher; as in Envoy it may only read request headers (it is evaluated there).
     * Which filter it wraps is not known here, so a composite action is taken as it comes.
     */
    @Override
    public RouteFilterConfig translatePerRoute(TypedConfig config, FieldPath path, TranslationContext ctx) {
        ExtensionWithMatcherPerRoute c = config.unpack(ExtensionWithMatcherPerRoute.class, path);
        if (!c.hasXdsMatcher()) {
            throw path.field("xds_matcher").error("missing required field");
        }
        return new MatchDelegatePerRoute(FilterMatcherTranslator.translatePerRoute(c.getXdsMatcher(),
                path.field("xds_matcher"), ctx));
    }

    /**
     * The deprecated {@code envoy.config.common.matcher.v3.Matcher}: field for field (numbers and
     * names) the xDS matcher, so read as one; paths in errors stay valid under {@code matcher}.
     */
    private static Matcher legacy(ExtensionWithMatcher c, FieldPath path) {
        try {
            return Matcher.parseFrom(c.getMatcher().toByteString());
        } catch (InvalidProtocolBufferException e) {
            throw path.field("matcher").error("cannot be read as an xds.type.matcher.v3.Matcher: " + e.getMessage());
        }
    }

    @Override
    public HttpFilterFactory.Provider<MatchDelegateConfig> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            public Class<MatchDelegateConfig> configType() {
                return MatchDelegateConfig.class;
            }

            @Override
            public HttpFilterFactory create(MatchDelegateConfig config, ServerContext context) {
                return create(config, context, "");
            }

            @Override
            public HttpFilterFactory create(MatchDelegateConfig config, ServerContext context, String statPrefix) {
                if (config.wrapped() == null) {
                    return () -> Skipped.INSTANCE;
                }
                HttpFilterFactory wrapped = DelegatedFilters.factory(config.wrapped(), context, statPrefix);
                Function<FilterMatchAction, Object> actions = a -> a.runtime(context, statPrefix);
                UnifiedMatcherEvaluator<Object> matcher = config.matcher() == null ? null
                        : UnifiedMatcherEvaluator.mapped(config.matcher(), actions);
                // This factory's own key for the routes' matchers it builds (one per connection manager).
                Object owner = new Object();
                var matchers = new MatchDelegatingFilter.Matchers(matcher, route -> route.evaluator(owner, actions));
                return () -> MatchDelegatingFilter.of(matchers, wrapped.newFilter());
            }
        };
    }

    /** Stands in for a wrapped filter Remora does not have and skips; holds nothing, so one serves all. */
    private enum Skipped implements StreamDecoderFilter {
        INSTANCE;

        @Override
        public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        }

        @Override
        public FilterStatus decodeHeaders(io.netty.handler.codec.http2.Http2Headers headers, boolean endStream) {
            return FilterStatus.CONTINUE;
        }
    }
}
