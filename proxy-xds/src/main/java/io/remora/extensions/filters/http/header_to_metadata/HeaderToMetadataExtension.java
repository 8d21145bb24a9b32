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
        HeaderToMetadataConfig.ValueType type = switch (kv.getType()) {
            case NUMBER -> HeaderToMetadataConfig.ValueType.NUMBER;
            case PROTOBUF_VALUE -> HeaderToMetadataConfig.ValueType.PROTOBUF_VALUE;
            default -> HeaderToMetadataConfig.ValueType.STRING;
        };
        return keyValue(kv.getMetadataNamespace(), kv.getKey(), kv.getValue(),
                kv.hasRegexValueRewrite() ? kv.getRegexValueRewrite() : null, type,
                kv.getEncode() == Config.ValueEncode.BASE64, path, missing ? "on_header_missing" : null,
                HeaderToMetadataConfig.NAME);
    }

    /**
     * A {@code KeyValuePair} of any header-to-metadata style filter (the thrift proxy's too).
     *
     * @param missingRule the rule's on_missing field name when this pair is one (it needs a value), else null
     * @param defaultNamespace the filter's own namespace, used when none is named
     */
    public static HeaderToMetadataConfig.KeyValue keyValue(String namespace, String key, String value,
            io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute regexRewrite,
            HeaderToMetadataConfig.ValueType type, boolean base64, FieldPath path, String missingRule,
            String defaultNamespace) {
        if (key.isEmpty()) {
            throw path.field("key").error("missing required field");
        }
        if (missingRule != null && value.isEmpty()) {
            throw path.field("value").error(missingRule + " needs a value");
        }
        RegexRewriter rewrite = null;
        if (regexRewrite != null) {
            FieldPath rp = path.field("regex_value_rewrite");
            try {
                rewrite = new RegexRewriter(StringMatcherTranslator.regex(regexRewrite.getPattern(),
                        rp.field("pattern")), regexRewrite.getSubstitution());
            } catch (IllegalArgumentException e) {
                throw rp.field("substitution").error(e.getMessage());
            }
        }
        String ns = namespace.isEmpty() ? defaultNamespace : namespace;
        return new HeaderToMetadataConfig.KeyValue(ns, key, value.isEmpty() ? null : value, rewrite, type, base64);
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
