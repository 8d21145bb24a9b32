package io.remora.extensions.filters.http.json_to_metadata;

import io.envoyproxy.envoy.extensions.filters.http.json_to_metadata.v3.JsonToMetadata;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.HttpFilterExtension;
import io.remora.extensions.filters.common.FilterProtos;
import io.remora.extensions.filters.http.common.HcmCounters;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.StringMatcherTranslator;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** {@code envoy.filters.http.json_to_metadata} ({@code json_to_metadata.v3.JsonToMetadata}), also per route. */
public final class JsonToMetadataExtension implements HttpFilterExtension<JsonToMetadataConfig> {

    private static final String TYPE = "envoy.extensions.filters.http.json_to_metadata.v3.JsonToMetadata";

    @Override
    public List<String> names() {
        return List.of(JsonToMetadataConfig.NAME);
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
    public JsonToMetadataConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field");
        }
        JsonToMetadata c = config.unpack(JsonToMetadata.class, path);
        if (!c.hasRequestRules() && !c.hasResponseRules()) {
            throw path.error("at least one of request_rules, response_rules is required");
        }
        return new JsonToMetadataConfig(
                c.hasRequestRules() ? matchRules(c.getRequestRules(), path.field("request_rules"), ctx) : null,
                c.hasResponseRules() ? matchRules(c.getResponseRules(), path.field("response_rules"), ctx) : null);
    }

    @Override
    public RouteFilterConfig translatePerRoute(TypedConfig config, FieldPath path, TranslationContext ctx) {
        return translate(config, path, ctx);
    }

    private static JsonToMetadataConfig.MatchRules matchRules(JsonToMetadata.MatchRules m, FieldPath path,
                                                             TranslationContext ctx) {
        if (m.getRulesCount() == 0) {
            throw path.field("rules").error("must have at least one rule");
        }
        List<JsonToMetadataConfig.Rule> rules = new ArrayList<>();
        for (int i = 0; i < m.getRulesCount(); i++) {
            rules.add(rule(m.getRules(i), path.field("rules").index(i), ctx));
        }
        Set<String> types = new HashSet<>();
        for (int i = 0; i < m.getAllowContentTypesCount(); i++) {
            if (m.getAllowContentTypes(i).isEmpty()) {
                throw path.field("allow_content_types").index(i).error("must not be empty");
            }
            types.add(m.getAllowContentTypes(i));
        }
        if (types.isEmpty()) {
            types.add("application/json");
        }
        return new JsonToMetadataConfig.MatchRules(rules, types, m.getAllowEmptyContentType(),
                m.hasAllowContentTypesRegex()
                        ? StringMatcherTranslator.regex(m.getAllowContentTypesRegex(),
                                path.field("allow_content_types_regex"))
                        : null);
    }

    private static JsonToMetadataConfig.Rule rule(JsonToMetadata.Rule r, FieldPath path, TranslationContext ctx) {
        if (r.getSelectorsCount() == 0) {
            throw path.field("selectors").error("must have at least one selector");
        }
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < r.getSelectorsCount(); i++) {
            if (r.getSelectors(i).getKey().isEmpty()) {
                throw path.field("selectors").index(i).field("key").error("must not be empty");
            }
            keys.add(r.getSelectors(i).getKey());
        }
        if (!r.hasOnPresent() && !r.hasOnMissing()) {
            throw path.error("neither on_present nor on_missing is set");
        }
        return new JsonToMetadataConfig.Rule(keys,
                r.hasOnPresent() ? keyValue(r.getOnPresent(), path.field("on_present"), false, ctx) : null,
                r.hasOnMissing() ? keyValue(r.getOnMissing(), path.field("on_missing"), true, ctx) : null,
                r.hasOnError() ? keyValue(r.getOnError(), path.field("on_error"), true, ctx) : null);
    }

    private static JsonToMetadataConfig.KeyValue keyValue(JsonToMetadata.KeyValuePair kv, FieldPath path,
                                                          boolean valueRequired, TranslationContext ctx) {
        if (kv.getKey().isEmpty()) {
            throw path.field("key").error("missing required field");
        }
        if (valueRequired && !kv.hasValue()) {
            throw path.field("value").error("must be set");
        }
        JsonToMetadataConfig.ValueType type = switch (kv.getType()) {
            case PROTOBUF_VALUE -> JsonToMetadataConfig.ValueType.PROTOBUF_VALUE;
            case STRING -> JsonToMetadataConfig.ValueType.STRING;
            case NUMBER -> JsonToMetadataConfig.ValueType.NUMBER;
            default -> throw path.field("type").error("unknown value type " + kv.getTypeValue());
        };
        Object value = null;
        if (kv.hasValue()) {
            value = FilterProtos.plain(kv.getValue());
            if (value == null) {
                // Remora's dynamic metadata holds no JSON nulls (as set_metadata's values).
                ctx.warnOnce("json_to_metadata:null_value", "json_to_metadata: a null value sets nothing, first at "
                        + path.field("value"));
            }
        }
        String ns = kv.getMetadataNamespace().isEmpty() ? JsonToMetadataConfig.NAME : kv.getMetadataNamespace();
        return new JsonToMetadataConfig.KeyValue(ns, kv.getKey(), value, type, kv.getPreserveExistingMetadataValue(),
                kv.hasValue());
    }

    @Override
    public HttpFilterFactory.Provider<JsonToMetadataConfig> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            public Class<JsonToMetadataConfig> configType() {
                return JsonToMetadataConfig.class;
            }

            @Override
            public HttpFilterFactory create(JsonToMetadataConfig config, ServerContext context) {
                HcmCounters counters = new HcmCounters(context.stats().meterRegistry(), JsonToMetadataFilter.STATS);
                return () -> new JsonToMetadataFilter(config, counters);
            }
        };
    }
}
