package io.remora.extensions.filters.http.header_mutation;

import io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.HeaderMutation;
import io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.HeaderMutationPerRoute;
import io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.Mutations;
import io.remora.config.HeaderMutationRule;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.HttpFilterExtension;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.route.HeaderFormatter;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.HeaderTranslator;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code envoy.filters.http.header_mutation}, with its per-route config. */
public final class HeaderMutationExtension implements HttpFilterExtension<HeaderMutationConfig> {

    private static final String TYPE = "envoy.extensions.filters.http.header_mutation.v3.HeaderMutation";
    private static final String PER_ROUTE_TYPE = "envoy.extensions.filters.http.header_mutation.v3.HeaderMutationPerRoute";

    /** Envoy registers it as an upstream HTTP filter too. */
    @Override
    public boolean runsUpstream() {
        return true;
    }

    @Override
    public List<String> names() {
        return List.of(HeaderMutationConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of(TYPE);
    }

    @Override
    public List<String> perRouteConfigTypes() {
        return List.of(PER_ROUTE_TYPE);
    }

    @Override
    public HeaderMutationConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            return new HeaderMutationConfig(List.of(), List.of(), List.of(), false);
        }
        HeaderMutation c = config.unpack(HeaderMutation.class, path);
        return mutations(c.getMutations(), path.field("mutations"), c.getMostSpecificHeaderMutationsWins(), ctx);
    }

    @Override
    public RouteFilterConfig translatePerRoute(TypedConfig config, FieldPath path, TranslationContext ctx) {
        HeaderMutationPerRoute c = config.unpack(HeaderMutationPerRoute.class, path);
        return mutations(c.getMutations(), path.field("mutations"), false, ctx);
    }

    private static HeaderMutationConfig mutations(Mutations m, FieldPath path, boolean mostSpecificWins,
                                                  TranslationContext ctx) {
        return new HeaderMutationConfig(list(m.getRequestMutationsList(), path.field("request_mutations")),
                query(m.getQueryParameterMutationsList(), path.field("query_parameter_mutations")),
                list(m.getResponseMutationsList(), path.field("response_mutations")), mostSpecificWins);
    }

    private static List<HeaderMutationConfig.QueryMutation> query(
            List<io.envoyproxy.envoy.config.core.v3.KeyValueMutation> in, FieldPath path) {
        List<HeaderMutationConfig.QueryMutation> out = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            var m = in.get(i);
            FieldPath p = path.index(i);
            if (!m.getRemove().isEmpty()) {
                out.add(new HeaderMutationConfig.QueryMutation(m.getRemove(), null, null));
                continue;
            }
            if (!m.hasAppend()) {
                throw p.error("missing required field: one of append, remove");
            }
            var a = m.getAppend();
            String key;
            String value;
            if (a.hasEntry()) {
                key = a.getEntry().getKey();
                value = a.getEntry().getValue().toStringUtf8();
            } else if (a.hasRecord()) {
                key = a.getRecord().getKey();
                value = a.getRecord().getValue().getStringValue();
            } else {
                throw p.field("append").error("missing required field: one of entry, record");
            }
            if (key.isEmpty()) {
                throw p.field("append").field(a.hasEntry() ? "entry" : "record").field("key").error("missing required field");
            }
            List<String> problems = HeaderFormatter.validate(value);
            if (!problems.isEmpty()) {
                throw p.field("append").field(a.hasEntry() ? "entry" : "record").field("value").error(String.join("; ", problems));
            }
            var action = switch (a.getAction()) {
                case ADD_IF_ABSENT -> io.remora.config.HeaderMutation.AppendAction.ADD_IF_ABSENT;
                case OVERWRITE_IF_EXISTS_OR_ADD -> io.remora.config.HeaderMutation.AppendAction.OVERWRITE_IF_EXISTS_OR_ADD;
                case OVERWRITE_IF_EXISTS -> io.remora.config.HeaderMutation.AppendAction.OVERWRITE_IF_EXISTS;
                default -> io.remora.config.HeaderMutation.AppendAction.APPEND_IF_EXISTS_OR_ADD;
            };
            out.add(new HeaderMutationConfig.QueryMutation(key, value, action));
        }
        return out;
    }

    /** Envoy's {@code mutation_rules.v3.HeaderMutation} list, checked as Envoy does; also the early header mutations'. */
    public static List<HeaderMutationRule> list(
            List<io.envoyproxy.envoy.config.common.mutation_rules.v3.HeaderMutation> in, FieldPath path) {
        List<HeaderMutationRule> out = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            var m = in.get(i);
            FieldPath p = path.index(i);
            switch (m.getActionCase()) {
                case REMOVE -> {
                    String name = m.getRemove().toLowerCase(Locale.ROOT);
                    if (name.isEmpty() || name.startsWith(":") || name.equals("host")) {
                        throw p.field("remove").error("invalid header '" + m.getRemove() + "': pseudo-headers and host cannot be removed");
                    }
                    out.add(new HeaderMutationRule.Remove(name));
                }
                case APPEND -> {
                    FieldPath ap = p.field("append");
                    var option = HeaderTranslator.option(m.getAppend(), ap);
                    if (option.key().startsWith(":") || option.key().equals("host")) {
                        throw ap.field("header").field("key").error("invalid header '" + option.key()
                                + "': pseudo-headers and host cannot be modified");
                    }
                    String value = option.value() == null ? "" : option.value();
                    if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0 || value.indexOf('\0') >= 0) {
                        throw ap.field("header").field("value").error("invalid header value: CR, LF and NUL are not allowed");
                    }
                    HeaderTranslator.checkFormattedValue(value,
                            ap.field("header").field("value"), null);
                    out.add(new HeaderMutationRule.Append(option));
                }
                default -> throw p.error("missing required field: one of remove, append");
            }
        }
        return out;
    }

    @Override
    public HttpFilterFactory.Provider<HeaderMutationConfig> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            public Class<HeaderMutationConfig> configType() {
                return HeaderMutationConfig.class;
            }

            @Override
            public HttpFilterFactory create(HeaderMutationConfig config, ServerContext context) {
                return () -> new HeaderMutationFilter(config);
            }
        };
    }
}
