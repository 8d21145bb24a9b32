package io.remora.xds.bootstrap;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.remora.xds.translate.TranslationException;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Date;
import java.util.List;
import java.util.Map;

/**
 * Config text to a JSON tree. JSON is parsed as JSON (so its errors carry JSON's line and
 * column); anything else as YAML, which Envoy also accepts for {@code .yaml}/{@code .yml}.
 */
public final class ConfigDocuments {

    private ConfigDocuments() {
    }

    /** Parses .json files as JSON, anything else (.yaml, --config-yaml) as YAML, which JSON mostly is too. */
    public static JsonObject parse(String text, String sourceName) {
        boolean json = sourceName.endsWith(".json");
        if (json) {
            return parseJson(text, sourceName);
        }
        return parseYaml(text, sourceName);
    }

    public static JsonObject parseJson(String text, String sourceName) {
        try {
            JsonElement e = JsonParser.parseString(text);
            if (!e.isJsonObject()) {
                throw new TranslationException("", sourceName + ": the document is not a JSON object");
            }
            return e.getAsJsonObject();
        } catch (JsonParseException e) {
            String msg = e.getCause() != null && e.getCause().getMessage() != null
                    ? e.getCause().getMessage() : e.getMessage();
            throw new TranslationException("", sourceName + ": invalid JSON: " + msg, e);
        }
    }

    public static JsonObject parseYaml(String text, String sourceName) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setCodePointLimit(64 * 1024 * 1024);
        Yaml yaml = new Yaml(new EnvoyYamlConstructor(options));
        Object doc;
        try {
            doc = yaml.load(text);
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String where = m == null ? "" : " at line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1);
            String problem = e.getProblem() != null ? e.getProblem() : e.getMessage();
            String context = e.getContext() != null ? " (" + e.getContext() + ")" : "";
            throw new TranslationException("", sourceName + ": invalid YAML" + where + ": " + problem + context, e);
        } catch (YAMLException e) {
            throw new TranslationException("", sourceName + ": invalid YAML: " + e.getMessage(), e);
        }
        if (doc == null) {
            return new JsonObject();
        }
        JsonElement e = toJson(doc);
        if (!e.isJsonObject()) {
            throw new TranslationException("", sourceName + ": the document is not a YAML mapping");
        }
        return e.getAsJsonObject();
    }

    /**
     * Envoy's {@code !ignore} tag: the tagged node, and the entry whose key or value it is, are
     * dropped (such entries only hold YAML anchors).
     */
    private static final Object IGNORED = new Object();

    private static final class EnvoyYamlConstructor extends SafeConstructor {
        EnvoyYamlConstructor(LoaderOptions options) {
            super(options);
            this.yamlConstructors.put(new org.yaml.snakeyaml.nodes.Tag("!ignore"),
                    new org.yaml.snakeyaml.constructor.AbstractConstruct() {
                        @Override
                        public Object construct(org.yaml.snakeyaml.nodes.Node node) {
                            return IGNORED;
                        }
                    });
        }
    }

    static JsonElement toJson(Object o) {
        if (o == null) {
            return JsonNull.INSTANCE;
        }
        if (o instanceof Map<?, ?> map) {
            JsonObject obj = new JsonObject();
            for (Map.Entry<?, ?> en : map.entrySet()) {
                if (en.getKey() == IGNORED || en.getValue() == IGNORED) {
                    continue; // the tag on the key (Envoy's docs write `!ignore name:`) or on the value
                }
                obj.add(String.valueOf(en.getKey()), toJson(en.getValue()));
            }
            return obj;
        }
        if (o instanceof List<?> list) {
            JsonArray arr = new JsonArray();
            for (Object v : list) {
                if (v == IGNORED) {
                    continue;
                }
                arr.add(toJson(v));
            }
            return arr;
        }
        if (o instanceof Boolean b) {
            return new JsonPrimitive(b);
        }
        if (o instanceof Integer || o instanceof Long || o instanceof BigInteger) {
            return new JsonPrimitive((Number) o);
        }
        if (o instanceof Double d) {
            // Keep integral doubles integral so uint32 fields accept them.
            BigDecimal bd = BigDecimal.valueOf(d);
            return new JsonPrimitive(bd.stripTrailingZeros().scale() <= 0 ? bd.toBigInteger() : (Number) bd);
        }
        if (o instanceof Date d) {
            return new JsonPrimitive(d.toInstant().toString());
        }
        if (o instanceof byte[] bytes) {
            return new JsonPrimitive(java.util.Base64.getEncoder().encodeToString(bytes));
        }
        return new JsonPrimitive(String.valueOf(o));
    }
}
