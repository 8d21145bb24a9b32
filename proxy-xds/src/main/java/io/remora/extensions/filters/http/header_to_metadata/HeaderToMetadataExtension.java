package io.remora.extensions.filters.http.header_to_metadata;

import io.envoyproxy.envoy.extensions.filters.http.header_to_metadata.v3.Config;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.HttpFilterExtension;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.route.RegexRewriter;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.StringMatcherTranslator;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code envoy.filters.http.header_to_metadata}, with its per-route config. */
public final class HeaderToMetadataExtension implements HttpFilterExtension<HeaderToMetadataConfig> {

    private static final String TYPE = "envoy.extensions.filters.http.header_to_metadata.v3.Config";

    @Override
    public List<String> names() {
        return List.of(HeaderToMetadataConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of(TYPE);
    }

    @Override
    public List<String> perRouteConfigTypes() {
        return List.of(TYPE);
    }

    @Override
    public HeaderToMetadataConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field");
        }
        Config c = config.unpack(Config.class, path);
        if (c.getRequestRulesCount() == 0 && c.getResponseRulesCount() == 0) {
            throw path.error("at least one of request_rules, response_rules is required");
        }
        return new HeaderToMetadataConfig(rules(c.getRequestRulesList(), path.field("request_rules")),
                rules(c.getResponseRulesList(), path.field("response_rules")));
    }

    @Override
    public RouteFilterConfig translatePerRoute(TypedConfig config, FieldPath path, TranslationContext ctx) {
        return translate(config, path, ctx);
    }

    private static List<HeaderToMetadataConfig.Rule> rules(List<Config.Rule> protos, FieldPath path) {
        List<HeaderToMetadataConfig.Rule> out = new ArrayList<>();
        for (int i = 0; i < protos.size(); i++) {
            Config.Rule r = protos.get(i);
            FieldPath p = path.index(i);
            boolean header = !r.getHeader().isEmpty();
            boolean cookie = !r.getCookie().isEmpty();
            if (header == cookie) {
                throw p.error("exactly one of header, cookie is required");
            }
            if (cookie && r.getRemove()) {
                throw p.field("remove").error("cannot remove a cookie");
            }
            if (!r.hasOnHeaderPresent() && !r.hasOnHeaderMissing()) {
                throw p.error("one of on_header_present, on_header_missing is required");
            }
            HeaderToMetadataConfig.KeyValue present = r.hasOnHeaderPresent()
                    ? keyValue(r.getOnHeaderPresent(), p.field("on_header_present"), false) : null;
            HeaderToMetadataConfig.KeyValue missing = r.hasOnHeaderMissing()
                    ? keyValue(r.getOnHeaderMissing(), p.field("on_header_missing"), true) : null;
            out.add(new HeaderToMetadataConfig.Rule(header ? r.getHeader().toLowerCase(Locale.ROOT) : null,
                    cookie ? r.getCookie() : null, present, missing, r.getRemove()));
        }
        return out;
    }

    private static HeaderToMetadataConfig.KeyValue keyValue(Config.KeyValuePair kv, FieldPath path, boolean missing) {
        if (kv.getKey().isEmpty()) {
            throw path.field("key").error("missing required field");
        }
        if (missing && kv.getValue().isEmpty()) {
            throw path.field("value").error("on_header_missing needs a value");
        }
        RegexRewriter rewrite = null;
        if (kv.hasRegexValueRewrite()) {
            FieldPath rp = path.field("regex_value_rewrite");
            try {
                rewrite = new RegexRewriter(StringMatcherTranslator.regex(kv.getRegexValueRewrite().getPattern(),
                        rp.field("pattern")), kv.getRegexValueRewrite().getSubstitution());
            } catch (IllegalArgumentException e) {
                throw rp.field("substitution").error(e.getMessage());
            }
        }
        HeaderToMetadataConfig.ValueType type = switch (kv.getType()) {
            case NUMBER -> HeaderToMetadataConfig.ValueType.NUMBER;
            case PROTOBUF_VALUE -> HeaderToMetadataConfig.ValueType.PROTOBUF_VALUE;
            default -> HeaderToMetadataConfig.ValueType.STRING;
        };
        String ns = kv.getMetadataNamespace().isEmpty() ? HeaderToMetadataConfig.NAME : kv.getMetadataNamespace();
        return new HeaderToMetadataConfig.KeyValue(ns, kv.getKey(), kv.getValue().isEmpty() ? null : kv.getValue(),
                rewrite, type, kv.getEncode() == Config.ValueEncode.BASE64);
    }

    @Override
    public HttpFilterFactory.Provider<HeaderToMetadataConfig> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            public Class<HeaderToMetadataConfig> configType() {
                return HeaderToMetadataConfig.class;
            }

            @Override
            public HttpFilterFactory create(HeaderToMetadataConfig config, ServerContext context) {
                return () -> new HeaderToMetadataFilter(config);
            }
        };
    }
}
