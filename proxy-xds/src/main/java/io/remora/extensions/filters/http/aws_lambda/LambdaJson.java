package io.remora.extensions.filters.http.aws_lambda;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.stream.JsonWriter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Envoy's JSON documents between an HTTP request and a Lambda function (its
 * {@code request_response.proto} printed as proto3 JSON): the request as {@code rawPath},
 * {@code method}, {@code headers}, {@code queryStringParameters}, {@code body},
 * {@code isBase64Encoded}; the response read from {@code statusCode}, {@code headers},
 * {@code cookies}, {@code body}, {@code isBase64Encoded} (snake_case names accepted too, unknown
 * fields ignored, as the proto3 JSON parser does).
 */
final class LambdaJson {

    private static final AsciiString CONTENT_TYPE = AsciiString.cached("content-type");
    private static final AsciiString TRANSFER_ENCODING = AsciiString.cached("transfer-encoding");

    /** A function's answer. */
    record Response(int statusCode, Map<String, String> headers, List<String> cookies, byte[] body) {
    }

    private LambdaJson() {
    }

    /** The request document; {@code body} null when the request had none. */
    static byte[] request(Http2Headers headers, byte[] body) {
        TreeMap<String, String> names = new TreeMap<>();
        for (Map.Entry<CharSequence, CharSequence> e : headers) {
            String name = e.getKey().toString();
            if (!name.startsWith(":")) {
                names.merge(name, e.getValue().toString(), (a, b) -> a + "," + b);
            }
        }
        String path = headers.path() == null ? "" : headers.path().toString();
        StringWriter out = new StringWriter(256 + (body == null ? 0 : body.length * 4 / 3));
        try (JsonWriter w = new JsonWriter(out)) {
            w.beginObject();
            w.name("rawPath").value(path);
            w.name("method").value(headers.method() == null ? "" : headers.method().toString());
            w.name("headers").beginObject();
            for (Map.Entry<String, String> e : names.entrySet()) {
                w.name(e.getKey()).value(e.getValue());
            }
            w.endObject();
            w.name("queryStringParameters").beginObject();
            for (Map.Entry<String, String> e : query(path).entrySet()) {
                w.name(e.getKey()).value(e.getValue());
            }
            w.endObject();
            boolean textual = textual(headers);
            String text = body == null ? "" : textual ? new String(body, StandardCharsets.UTF_8)
                    : Base64.getEncoder().encodeToString(body);
            w.name("body").value(text);
            w.name("isBase64Encoded").value(body != null && !textual);
            w.endObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The query's parameters as sent (not decoded); of a repeated name the last one wins. */
    private static Map<String, String> query(String path) {
        TreeMap<String, String> out = new TreeMap<>();
        int q = path.indexOf('?');
        if (q < 0) {
            return out;
        }
        int end = path.indexOf('#', q);
        for (String p : path.substring(q + 1, end < 0 ? path.length() : end).split("&")) {
            if (!p.isEmpty()) {
                int eq = p.indexOf('=');
                out.put(eq < 0 ? p : p.substring(0, eq), eq < 0 ? "" : p.substring(eq + 1));
            }
        }
        return out;
    }

    /**
     * Envoy's isContentTypeTextual: sent as text only for JSON, JavaScript, XML and {@code text/*},
     * and never when a transfer-encoding other than identity applies.
     */
    static boolean textual(Http2Headers headers) {
        CharSequence te = headers.get(TRANSFER_ENCODING);
        if (te != null && !AsciiString.contentEqualsIgnoreCase(te, "identity")) {
            return false;
        }
        CharSequence ct = headers.get(CONTENT_TYPE);
        if (ct == null) {
            return false;
        }
        String type = ct.toString().toLowerCase(Locale.ROOT);
        return type.equals("application/json") || type.equals("application/javascript")
                || type.equals("application/xml") || type.startsWith("text/");
    }

    /** The function's response document; null when it is not one (not JSON, or a field of the wrong type). */
    static Response response(byte[] json) {
        try {
            JsonElement root = JsonParser.parseString(new String(json, StandardCharsets.UTF_8));
            if (!root.isJsonObject()) {
                return null;
            }
            JsonObject o = root.getAsJsonObject();
            int status = 0;
            JsonElement s = field(o, "statusCode", "status_code");
            if (s != null) {
                long v = Long.parseLong(primitive(s).getAsString());
                if (v < 0 || v > 0xffffffffL) {
                    return null;
                }
                status = (int) Math.min(v, Integer.MAX_VALUE);
            }
            Map<String, String> headers = new TreeMap<>();
            JsonElement h = field(o, "headers", "headers");
            if (h != null) {
                for (Map.Entry<String, JsonElement> e : h.getAsJsonObject().entrySet()) {
                    headers.put(e.getKey(), string(e.getValue()));
                }
            }
            List<String> cookies = new ArrayList<>();
            JsonElement c = field(o, "cookies", "cookies");
            if (c != null) {
                for (JsonElement e : (JsonArray) c) {
                    cookies.add(string(e));
                }
            }
            JsonElement b = field(o, "body", "body");
            String body = b == null ? "" : string(b);
            JsonElement b64 = field(o, "isBase64Encoded", "is_base64_encoded");
            boolean base64 = b64 != null && primitive(b64).isBoolean() && b64.getAsBoolean();
            if (b64 != null && !primitive(b64).isBoolean()) {
                return null;
            }
            return new Response(status, headers, cookies, base64 ? decodeBase64(body)
                    : body.getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            return null; // malformed JSON, or a field of the wrong type
        }
    }

    private static JsonElement field(JsonObject o, String camel, String snake) {
        JsonElement e = o.get(camel);
        if (e == null) {
            e = o.get(snake);
        }
        return e == null || e.isJsonNull() ? null : e;
    }

    private static JsonPrimitive primitive(JsonElement e) {
        return e.getAsJsonPrimitive();
    }

    private static String string(JsonElement e) {
        JsonPrimitive p = primitive(e);
        if (!p.isString()) {
            throw new IllegalArgumentException("not a string: " + e);
        }
        return p.getAsString();
    }

    /** Envoy's Base64::decode: nothing for input that is not base64. */
    private static byte[] decodeBase64(String s) {
        try {
            return Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            return new byte[0];
        }
    }
}
