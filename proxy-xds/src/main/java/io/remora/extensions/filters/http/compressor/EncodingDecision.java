package io.remora.extensions.filters.http.compressor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which content coding a response gets when several compressor filters share a chain, decided
 * once per stream (by the first compressor to see the response) from the request's
 * Accept-Encoding with its q-values, as Envoy's {@code chooseEncoding}: compressors whose content
 * types exclude the response drop out, the first registered of each coding counts, {@code q=0}
 * excludes a coding, the highest q wins (ties: the earlier listed, unless a compressor says
 * {@code choose_first}), {@code *} picks the first registered compressor, {@code identity} none.
 *
 * @param encoding the chosen coding, or {@code identity}
 */
record EncodingDecision(String encoding, HeaderStat stat) {

    /** The Accept-Encoding stat each compressor counts for the decision. */
    enum HeaderStat { VALID_COMPRESSOR, IDENTITY, WILDCARD, NOT_VALID }

    static final String IDENTITY = "identity";
    static final String FILTER_STATE_KEY = "encoding_decision";

    static EncodingDecision choose(String acceptEncoding, CharSequence contentType, List<CompressorConfig> chain) {
        String mediaType = null;
        if (contentType != null) {
            String v = contentType.toString();
            int semi = v.indexOf(';');
            mediaType = (semi >= 0 ? v.substring(0, semi) : v).trim();
        }
        // coding -> chooseFirst, in registration order (first of each coding wins)
        Map<String, Boolean> allowed = new LinkedHashMap<>();
        for (CompressorConfig c : chain) {
            if (mediaType != null && !mediaType.isEmpty() && !c.response().contentTypes().isEmpty()
                    && !c.response().contentTypeAllowed(mediaType)) {
                continue;
            }
            allowed.putIfAbsent(c.codec().contentEncoding(), c.chooseFirst());
        }
        List<String> names = new ArrayList<>();
        List<Float> qs = new ArrayList<>();
        for (String token : acceptEncoding.split(",")) {
            if (token.isBlank()) {
                continue;
            }
            int semi = token.indexOf(';');
            String name = (semi >= 0 ? token.substring(0, semi) : token).trim().toLowerCase(Locale.ROOT);
            float q = 1;
            if (semi >= 0) {
                String params = token.substring(semi + 1);
                int eq = params.indexOf('=');
                if (eq >= 0 && params.substring(0, eq).trim().equalsIgnoreCase("q")) {
                    try {
                        q = Float.parseFloat(params.substring(eq + 1).trim());
                    } catch (NumberFormatException e) {
                        continue; // an unparseable q-value drops the token
                    }
                    if (Float.isNaN(q)) {
                        continue;
                    }
                }
            }
            names.add(name);
            qs.add(q);
            if (q == 0) {
                allowed.remove(name);
            }
        }
        if (names.isEmpty() || allowed.isEmpty()) {
            return new EncodingDecision(IDENTITY, HeaderStat.NOT_VALID);
        }
        String choice = IDENTITY;
        float best = 0;
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i);
            float q = qs.get(i);
            if (allowed.containsKey(n) || n.equals(IDENTITY) || n.equals("*")) {
                if (q > best || q == best && Boolean.TRUE.equals(allowed.get(n))) {
                    choice = n;
                    best = q;
                }
            }
        }
        if (best == 0) {
            return new EncodingDecision(IDENTITY, HeaderStat.NOT_VALID);
        }
        if (choice.equals(IDENTITY)) {
            return new EncodingDecision(IDENTITY, HeaderStat.IDENTITY);
        }
        if (choice.equals("*")) {
            return new EncodingDecision(allowed.keySet().iterator().next(), HeaderStat.WILDCARD);
        }
        return new EncodingDecision(choice, HeaderStat.VALID_COMPRESSOR);
    }
}
