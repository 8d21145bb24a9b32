package io.remora.xds.translate;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import io.remora.tls.Pem;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A SPIFFE bundle map, the SPIFFE validator's {@code trust_bundles}: {@code {"trust_domains": {"<domain>":
 * {"keys": [{"use": "x509-svid", "x5c": ["<base64 DER>", ...]}, ...]}}}}, read as Envoy's
 * spiffe_validator.cc {@code parseTrustBundles} reads it, refusals in its words. Each domain's
 * certificates become the PEM bundle its SVIDs must chain to; {@code spiffe_sequence} and other
 * members are not used, as in Envoy.
 */
final class SpiffeBundleMap {
    private SpiffeBundleMap() {
    }

    /** The PEM bundle of each trust domain; throws IllegalArgumentException with Envoy's message. */
    static Map<String, String> parse(String json) {
        JsonObject root = object(json);
        JsonElement domains = root == null ? null : root.get("trust_domains");
        if (domains == null || !domains.isJsonObject() || domains.getAsJsonObject().isEmpty()) {
            throw new IllegalArgumentException("No trust domains found in SPIFFE bundle");
        }
        Map<String, String> out = new LinkedHashMap<>();
        // Gson keeps the last of a key given twice, as Envoy's JSON loader does.
        for (Map.Entry<String, JsonElement> d : domains.getAsJsonObject().entrySet()) {
            out.put(d.getKey(), domainPem(d.getKey(), d.getValue()));
        }
        return out;
    }

    private static JsonObject object(String json) {
        try {
            JsonReader reader = new JsonReader(new StringReader(json));
            reader.setStrictness(Strictness.STRICT);
            JsonElement e = new Gson().getAdapter(JsonElement.class).read(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new IOException("trailing data");
            }
            return e.isJsonObject() ? e.getAsJsonObject() : null;
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("Invalid JSON found in SPIFFE bundle");
        }
    }

    private static String domainPem(String domain, JsonElement value) {
        JsonElement keys = value.isJsonObject() ? value.getAsJsonObject().get("keys") : null;
        if (keys == null || !keys.isJsonArray() || keys.getAsJsonArray().isEmpty()
                || !keys.getAsJsonArray().asList().stream().allMatch(JsonElement::isJsonObject)) {
            throw new IllegalArgumentException("No keys found in SPIFFE bundle for domain '" + domain + "'");
        }
        List<X509Certificate> certs = new ArrayList<>();
        for (JsonElement k : keys.getAsJsonArray()) {
            JsonObject key = k.getAsJsonObject();
            if (!"x509-svid".equals(string(key.get("use")))) {
                // Only X.509 authorities: a JWT-SVID key cannot verify a certificate.
                throw new IllegalArgumentException("missing or invalid 'use' field found in cert for domain '"
                        + domain + "'");
            }
            List<String> x5c = strings(key.get("x5c"));
            if (x5c == null || x5c.isEmpty()) {
                throw new IllegalArgumentException("missing or empty 'x5c' field found in keys for domain: '"
                        + domain + "'");
            }
            for (String b64 : x5c) {
                certs.add(certificate(domain, b64));
            }
        }
        try {
            return Pem.encode(certs);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("Failed to add x509 object while loading certs for domain '"
                    + domain + "'");
        }
    }

    private static X509Certificate certificate(String domain, String b64) {
        byte[] der;
        try {
            der = Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            der = new byte[0];
        }
        if (der.length == 0) {
            throw new IllegalArgumentException("Failed to create x509 object while loading certs in domain '"
                    + domain + "'");
        }
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("Invalid x509 object in certs for domain '" + domain + "'");
        }
    }

    private static String string(JsonElement e) {
        return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString() ? e.getAsString() : null;
    }

    private static List<String> strings(JsonElement e) {
        if (e == null || !e.isJsonArray()) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (JsonElement s : e.getAsJsonArray()) {
            String v = string(s);
            if (v == null) {
                return null;
            }
            out.add(v);
        }
        return out;
    }
}
