package io.remora.stats;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;

import java.util.ArrayList;
import java.util.List;

/**
 * Envoy's TLS context stats of a listener or cluster, {@code <scope>.ssl.<stat>}: the fixed
 * counters ({@code ssl.handshake}, {@code ssl.fail_verify_san}, ...) and the ones named after what
 * a handshake negotiated ({@code ssl.versions.TLSv1.2}, {@code ssl.curves.P-256},
 * {@code ssl.ciphers.ECDHE-RSA-AES128-GCM-SHA256}). The negotiated value is kept in
 * {@link #VALUE_TAG} so the dotted name has it as Envoy writes it, and is folded into the exported
 * name, sanitized, as Envoy's tag-extracted name leaves it ({@code envoy_listener_ssl_versions_TLSv1_2});
 * a cluster's cipher is instead the {@code cipher_suite} tag Envoy's default extractor makes.
 */
public final class SslStatNames {

    /** The negotiated version, curve or (a listener's) cipher, as the TLS library names it. */
    public static final String VALUE_TAG = "envoy_ssl_value";
    /** Envoy's SSL_CIPHER_SUITE tag of a cluster's {@code ssl.ciphers.<cipher>}. */
    public static final String CIPHER_SUITE_TAG = "cipher_suite";
    private static final String SSL = "ssl_";

    private SslStatNames() {
    }

    static boolean isValueTag(String key) {
        return key.equals(VALUE_TAG);
    }

    /** {@code stat} of a listener or cluster scope as Envoy's dotted name has it, or null when no TLS stat. */
    static String subScope(Meter.Id id, String stat) {
        if (!stat.startsWith(SSL) || stat.length() == SSL.length()) {
            return null;
        }
        String rest = stat.substring(SSL.length());
        String value = id.getTag(VALUE_TAG);
        if (value == null && rest.equals("ciphers")) {
            value = id.getTag(CIPHER_SUITE_TAG);
        }
        return "ssl." + rest + (value != null ? "." + value : "");
    }

    /** The id a negotiated-value meter is exported under: the value folded into the name; any other id as it is. */
    static Meter.Id exported(Meter.Id id) {
        String value = id.getTag(VALUE_TAG);
        if (value == null) {
            return id;
        }
        List<Tag> tags = new ArrayList<>(id.getTags().size());
        for (Tag t : id.getTags()) {
            if (!isValueTag(t.getKey())) {
                tags.add(t);
            }
        }
        return id.withName(id.getName() + "_" + StatNames.sanitize(value)).replaceTags(tags);
    }
}
