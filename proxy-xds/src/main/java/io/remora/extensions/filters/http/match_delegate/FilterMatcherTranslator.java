package io.remora.extensions.filters.http.match_delegate;

import com.github.xds.core.v3.TypedExtensionConfig;
import com.github.xds.type.matcher.v3.Matcher;
import io.remora.config.HttpFilterConfig;
import io.remora.config.MatchInput;
import io.remora.config.UnifiedMatcher;
import io.remora.extensions.filters.http.composite.CompositeConfig;
import io.remora.extensions.filters.http.composite.CompositeExtension;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.Protos;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.UnifiedMatcherTranslator;

import java.util.EnumSet;
import java.util.Set;

/**
 * The matcher of an {@code ExtensionWithMatcher}: Envoy's HTTP inputs (request and response
 * headers and trailers, request query parameters), the connection's addresses, ports and SNI, the
 * peer certificate's SANs and subject, and filter state; actions {@code SkipFilter} and, for the
 * composite filter, {@code ExecuteFilterAction}.
 */
final class FilterMatcherTranslator {

    static final String SKIP = "envoy.extensions.filters.common.matcher.action.v3.SkipFilter";
    static final String EXECUTE = "envoy.extensions.filters.http.composite.v3.ExecuteFilterAction";

    private static final Set<MatchInput.Kind> INPUTS = EnumSet.of(MatchInput.Kind.REQUEST_HEADER,
            MatchInput.Kind.REQUEST_QUERY_PARAM,
            MatchInput.Kind.REQUEST_TRAILER, MatchInput.Kind.RESPONSE_HEADER, MatchInput.Kind.RESPONSE_TRAILER,
            MatchInput.Kind.DESTINATION_IP, MatchInput.Kind.DESTINATION_PORT, MatchInput.Kind.SOURCE_IP,
            MatchInput.Kind.SOURCE_PORT, MatchInput.Kind.DIRECT_SOURCE_IP, MatchInput.Kind.SERVER_NAME,
            MatchInput.Kind.URI_SAN, MatchInput.Kind.DNS_SAN, MatchInput.Kind.SUBJECT, MatchInput.Kind.FILTER_STATE,
            MatchInput.Kind.DYNAMIC_METADATA);

    /** What a route's matcher may read (Envoy's data_input_allow_list for ExtensionWithMatcherPerRoute). */
    private static final Set<MatchInput.Kind> PER_ROUTE_INPUTS = EnumSet.of(MatchInput.Kind.REQUEST_HEADER);

    private FilterMatcherTranslator() {
    }

    static UnifiedMatcher<FilterMatchAction> translatePerRoute(Matcher m, FieldPath path, TranslationContext ctx) {
        return new UnifiedMatcherTranslator<FilterMatchAction>(PER_ROUTE_INPUTS,
                type -> "data input typeUrl " + type + " not permitted according to allowlist"
                        + " (a route's matcher reads HttpRequestHeaderMatchInput only)",
                (action, ap) -> action(action, ap, null, ctx)).translate(m, path);
    }

    static UnifiedMatcher<FilterMatchAction> translate(Matcher m, FieldPath path, HttpFilterConfig wrapped,
                                                      TranslationContext ctx) {
        return new UnifiedMatcherTranslator<FilterMatchAction>(INPUTS,
                type -> "unsupported input '" + type + "' for an HTTP filter's matcher",
                (action, ap) -> action(action, ap, wrapped, ctx)).translate(m, path);
    }

    private static FilterMatchAction action(TypedExtensionConfig action, FieldPath path, HttpFilterConfig wrapped,
                                            TranslationContext ctx) {
        FieldPath tp = path.field("typed_config");
        String type = action.hasTypedConfig() ? Protos.typeName(action.getTypedConfig()) : "";
        if (type.equals(SKIP)) {
            return FilterMatchAction.SkipFilter.INSTANCE;
        }
        if (type.equals(EXECUTE)) {
            if (wrapped != null && !(wrapped instanceof CompositeConfig)) {
                // Envoy hands it to the wrapped filter, and only the composite filter acts on it.
                ctx.warnOnce("execute_filter_action:" + path, "ExecuteFilterAction at " + path
                        + " does nothing: the wrapped filter is " + wrapped.filterName() + ", not the composite filter");
            }
            return CompositeExtension.action(action.getTypedConfig(), tp, ctx);
        }
        throw tp.error("unsupported action " + (type.isEmpty() ? "(no typed_config)" : type)
                + " for an HTTP filter's matcher (supported: " + SKIP + ", " + EXECUTE + ")");
    }
}
