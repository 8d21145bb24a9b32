package io.remora.extensions.filters.http.header_mutation;

import io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.HeaderMutation;
import io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.HeaderMutationPerRoute;
import io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.Mutations;
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
            return new HeaderMutationConfig(List.of(), List.of(), false);
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
        if (m.getQueryParameterMutationsCount() > 0) {
            ctx.warnOnce("header_mutation.query_parameter_mutations", "header_mutation query_parameter_mutations are"
                    + " not supported and are ignored, first at " + path.field("query_parameter_mutations"));
        }
        return new HeaderMutationConfig(list(m.getRequestMutationsList(), path.field("request_mutations")),
                list(m.getResponseMutationsList(), path.field("response_mutations")), mostSpecificWins);
    }

    private static List<HeaderMutationConfig.Mutation> list(
            List<io.envoyproxy.envoy.config.common.mutation_rules.v3.HeaderMutation> in, FieldPath path) {
        List<HeaderMutationConfig.Mutation> out = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            var m = in.get(i);
            FieldPath p = path.index(i);
            switch (m.getActionCase()) {
                case REMOVE -> {
                    String name = m.getRemove().toLowerCase(Locale.ROOT);
                    if (name.isEmpty() || name.startsWith(":") || name.equals("host")) {
                        throw p.field("remove").error("invalid header '" + m.getRemove() + "': pseudo-headers and host cannot be removed");
                    }
                    out.add(new HeaderMutationConfig.Remove(name));
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
                    List<String> problems = HeaderFormatter.validate(value);
                    if (!problems.isEmpty()) {
                        throw ap.field("header").field("value").error(String.join("; ", problems));
                    }
                    out.add(new HeaderMutationConfig.Append(option));
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
