package io.remora.xds.bootstrap;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.NetworkFilterTranslator;
import io.remora.xds.translate.TranslationContext;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds {@code "@type"} URLs that no built-in proto knows before the JSON parser sees them, so
 * the error names the field path. Where the extension is optional (a stats sink, a tracer,
 * an HTTP filter marked {@code is_optional}, ...) the whole extension entry is dropped with one
 * warning instead.
 */
final class UnknownExtensions {

    /** Lists whose entries are observability or tuning extensions Remora may run without. */
    private static final Set<String> OPTIONAL_LIST_KEYS = Set.of(
            "stats_sinks", "bootstrap_extensions", "fatal_actions", "resource_monitors", "actions",
            "custom_tags", "watchdogs", "stats_tags", "resource_detectors");

    /**
     * Objects whose content is optional: tracing providers, stats config, overload manager. A
     * tracer's {@code sampler} is dropped alone, keeping the tracer: Remora runs unsupported samplers
     * that way (the connection manager's sampling decides), whether their type is known or not.
     */
    private static final Set<String> OPTIONAL_OBJECT_KEYS = Set.of(
            "tracing", "stats_config", "overload_manager", "request_id_extension", "typed_dns_resolver_config",
            "default_regex_engine", "provider", "sampler");

    /**
     * Istio's own filters (stats, metadata exchange, ALPN, peer metadata) are built into
     * istio-proxy, not Envoy, so their protos are not in the API jar; they observe or decorate
     * and are skipped like the other non-essential filters.
     */
    private static final List<String> ISTIO_TYPE_PREFIXES = List.of("istio.", "io.istio.", "stats.",
            "envoy.tcp.metadataexchange.");

    /**
     * What Envoy's observing contrib network filters may set and still only observe: stats,
     * mysql_proxy's access log, postgres_proxy's SQL parsing (dynamic metadata).
     */
    private static final Set<String> OBSERVING_SETTINGS = Set.of("@type", "stat_prefix", "access_log",
            "enable_sql_parsing");

    /** Fields holding google.protobuf.Struct data. */
    private static final Set<String> STRUCT_KEYS = Set.of("filter_metadata", "filterMetadata");

    private UnknownExtensions() {
    }

    private record Unknown(String path, String typeUrl) {
    }

    /**
     * Removes optional unknown extensions in place; throws for a required one. The root's type
     * (null if unknown) lets a path show map keys as {@code field["key"]}, as the parser's errors do.
     */
    static void check(JsonObject root, Descriptor rootType, FieldPath base, TranslationContext ctx) {
        Unknown u = scanObject(root, rootType, base, ctx);
        if (u != null) {
            throw FieldPath.of(u.path).error("unknown type URL '" + u.typeUrl
                    + "': no such extension is built into Remora");
        }
    }

    private static Unknown scan(JsonElement e, Descriptor type, FieldPath path, TranslationContext ctx) {
        if (e.isJsonObject()) {
            return scanObject(e.getAsJsonObject(), type, path, ctx);
        }
        if (e.isJsonArray()) {
            return null; // arrays are handled by their parent key
        }
        return null;
    }

    private static Unknown scanObject(JsonObject obj, Descriptor objType, FieldPath path, TranslationContext ctx) {
        JsonElement type = obj.get("@type");
        boolean typedStruct = false;
        if (type != null && type.isJsonPrimitive()) {
            String url = type.getAsString();
            objType = EnvoyTypeRegistry.find(url);
            if (objType == null) {
                return new Unknown(path.toString(), url);
            }
            typedStruct = url.endsWith("/udpa.type.v1.TypedStruct") || url.endsWith("/xds.type.v3.TypedStruct");
        }
        Iterator<Map.Entry<String, JsonElement>> it = obj.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, JsonElement> en = it.next();
            String key = en.getKey();
            if (typedStruct && key.equals("value") || STRUCT_KEYS.contains(key)) {
                continue; // free-form Structs: an "@type" in there is data, not an Any
            }
            FieldPath child = path.field(key);
            JsonElement v = en.getValue();
            FieldDescriptor f = objType == null ? null : JsonFieldLocator.field(objType, key);
            Descriptor childType = f == null ? null : messageType(f);
            Unknown u;
            if (key.equals("typed_per_filter_config") && v.isJsonObject()) {
                dropUnknownEntries(v.getAsJsonObject(), childType, child, ctx);
                continue;
            }
            if (f != null && f.isMapField() && v.isJsonObject()) {
                u = scanMap(v.getAsJsonObject(), childType, child, ctx);
            } else if (v.isJsonArray()) {
                u = scanArray(key, v.getAsJsonArray(), childType, child, ctx);
            } else {
                u = scan(v, childType, child, ctx);
            }
            if (u != null) {
                if (OPTIONAL_OBJECT_KEYS.contains(key)) {
                    it.remove();
                    skipped(ctx, u, child.toString());
                    continue;
                }
                return u;
            }
        }
        return null;
    }

    /**
     * A per-route config of a type no extension knows belongs to a filter Remora skips: the entry
     * goes, with one warning, and the route's other entries stay.
     */
    private static void dropUnknownEntries(JsonObject configs, Descriptor entryType, FieldPath path,
                                           TranslationContext ctx) {
        Iterator<Map.Entry<String, JsonElement>> it = configs.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, JsonElement> en = it.next();
            FieldPath p = path.key(en.getKey());
            Unknown u = scan(en.getValue(), mapValueType(entryType), p, ctx);
            if (u != null) {
                it.remove();
                skipped(ctx, u, p.toString());
            }
        }
    }

    private static Unknown scanMap(JsonObject map, Descriptor entryType, FieldPath path, TranslationContext ctx) {
        for (Map.Entry<String, JsonElement> en : map.entrySet()) {
            Unknown u = scan(en.getValue(), mapValueType(entryType), path.key(en.getKey()), ctx);
            if (u != null) {
                return u;
            }
        }
        return null;
    }

    private static Descriptor messageType(FieldDescriptor f) {
        return f.getJavaType() == FieldDescriptor.JavaType.MESSAGE ? f.getMessageType() : null;
    }

    /** A map field's message type is its synthetic entry; the value field's type is the one scanned. */
    private static Descriptor mapValueType(Descriptor entryType) {
        FieldDescriptor value = entryType == null ? null : entryType.findFieldByName("value");
        return value == null ? null : messageType(value);
    }

    private static Unknown scanArray(String key, JsonArray arr, Descriptor elementType, FieldPath path,
                                     TranslationContext ctx) {
        for (int i = 0; i < arr.size(); i++) {
            JsonElement el = arr.get(i);
            Unknown u = scan(el, elementType, path.index(i), ctx);
            if (u == null) {
                continue;
            }
            boolean optionalFilter = key.equals("http_filters") && el.isJsonObject()
                    && el.getAsJsonObject().has("is_optional")
                    && el.getAsJsonObject().get("is_optional").getAsBoolean();
            boolean istioFilter = (key.equals("http_filters") || key.equals("filters")) && el.isJsonObject()
                    && isIstio(el.getAsJsonObject(), u);
            if (OPTIONAL_LIST_KEYS.contains(key) || optionalFilter || istioFilter) {
                arr.remove(i);
                skipped(ctx, u, path.index(i).toString());
                i--;
                continue;
            }
            if (observingNetworkFilter(elementType, arr, i, path, u)) {
                JsonObject filter = el.getAsJsonObject();
                String name = filter.has("name") ? filter.get("name").getAsString() : "";
                String type = u.typeUrl.substring(u.typeUrl.lastIndexOf('/') + 1);
                NetworkFilterTranslator.warnSkipped(name, type, path.index(i), ctx);
                arr.remove(i);
                i--;
                continue;
            }
            return u;
        }
        return null;
    }

    /**
     * A network filter of a type not in Remora's API (Envoy's contrib filters: mysql_proxy,
     * postgres_proxy, kafka_broker ...) is skipped like any unsupported network filter when it is
     * not the chain's last one and its config sets nothing but its stat prefix and switches of what
     * it observes. Any other setting may rewrite or gate the bytes (postgres' {@code terminate_ssl},
     * kafka's {@code api_keys_denied}): Remora cannot tell which, so that filter is refused by name.
     */
    private static boolean observingNetworkFilter(Descriptor elementType, JsonArray arr, int i, FieldPath path,
                                                  Unknown u) {
        if (elementType == null || !elementType.getFullName().equals("envoy.config.listener.v3.Filter")
                || i == arr.size() - 1 || !arr.get(i).isJsonObject()) {
            return false;
        }
        FieldPath typed = path.index(i).field("typed_config");
        if (!u.path.equals(typed.toString())) {
            return false; // the filter's own type is known: something inside it is not
        }
        JsonObject filter = arr.get(i).getAsJsonObject();
        String name = filter.has("name") ? filter.get("name").getAsString() : "";
        for (Map.Entry<String, JsonElement> en : filter.getAsJsonObject("typed_config").entrySet()) {
            if (!OBSERVING_SETTINGS.contains(en.getKey()) && isSet(en.getValue())) {
                throw typed.field(en.getKey()).error("network filter '" + name + "' (" + u.typeUrl
                        + ") is not built into Remora; it is skipped only when it just observes, and this setting"
                        + " may change or gate the connection's bytes");
            }
        }
        return true;
    }

    /** A value left at its default (false, 0, empty, an enum's first value such as DISABLE) sets nothing. */
    private static boolean isSet(JsonElement v) {
        if (v.isJsonNull()) {
            return false;
        }
        if (v.isJsonPrimitive()) {
            var p = v.getAsJsonPrimitive();
            return p.isBoolean() ? p.getAsBoolean()
                    : p.isNumber() ? p.getAsDouble() != 0
                    : !p.getAsString().isEmpty() && !p.getAsString().equals("DISABLE");
        }
        return v.isJsonArray() ? !v.getAsJsonArray().isEmpty() : !v.getAsJsonObject().entrySet().isEmpty();
    }

    private static boolean isIstio(JsonObject filter, Unknown u) {
        String name = filter.has("name") ? filter.get("name").getAsString() : "";
        String type = u.typeUrl.substring(u.typeUrl.lastIndexOf('/') + 1);
        return name.startsWith("istio.") || ISTIO_TYPE_PREFIXES.stream().anyMatch(type::startsWith);
    }

    private static void skipped(TranslationContext ctx, Unknown u, String where) {
        ctx.warnOnce("type:" + u.typeUrl, "skipping optional extension of unknown type '" + u.typeUrl
                + "' at " + where);
    }
}
