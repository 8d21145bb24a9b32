package io.remora.tls;

import io.remora.config.SanMatcher;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;

/**
 * {@code match_typed_subject_alt_names}: some SAN of the right type matches some matcher. Also
 * what RBAC's mtls_authenticated principal checks its one {@code san_matcher} with.
 */
public final class SanMatchers {
    // GeneralName tags as X509Certificate.getSubjectAlternativeNames reports them
    private static final int OTHER = 0;
    private static final int EMAIL = 1;
    private static final int DNS = 2;
    private static final int URI = 6;
    private static final int IP = 7;

    private final List<SanMatcher> matchers;

    SanMatchers(List<SanMatcher> matchers) {
        this.matchers = matchers == null ? List.of() : matchers;
    }

    /**
     * Whether some SAN of the connection's peer certificate matches m (Envoy's
     * createStringSanMatcher of one SubjectAltNameMatcher). URI and DNS SANs come from what the
     * connection already parsed, so a keep-alive connection's requests do not parse it again.
     */
    public static boolean matches(SanMatcher m, TlsConnection tls) {
        switch (m.type()) {
            case URI -> {
                for (String v : tls.peerUriSans()) {
                    if (m.matcher().matches(v)) {
                        return true;
                    }
                }
                return false;
            }
            case DNS -> {
                for (String v : tls.peerDnsSans()) {
                    if (matchesValue(m, DNS, v)) {
                        return true;
                    }
                }
                return false;
            }
            default -> {
                X509Certificate leaf = tls.peerCertificate();
                return leaf != null && new SanMatchers(List.of(m)).matches(leaf);
            }
        }
    }

    boolean isEmpty() {
        return matchers.isEmpty();
    }

    boolean matches(X509Certificate leaf) {
        for (List<?> san : sans(leaf)) {
            if (san.get(0) instanceof Integer type && type == OTHER && san.get(1) instanceof byte[] der) {
                if (matchesOtherName(der)) {
                    return true;
                }
                continue;
            }
            if (!(san.get(0) instanceof Integer type) || !(san.get(1) instanceof String value)) {
                continue;
            }
            for (SanMatcher m : matchers) {
                if (typeMatches(m.type(), type) && matchesValue(m, type, value)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Envoy's OTHER_NAME matcher: the otherName of the configured type-id, its value as text. */
    private boolean matchesOtherName(byte[] der) {
        OtherNameSan name = null;
        for (SanMatcher m : matchers) {
            if (m.type() != SanMatcher.Type.OTHER_NAME || m.oid() == null || m.oid().isEmpty()) {
                continue;
            }
            if (name == null) {
                name = OtherNameSan.parse(der);
                if (name == null) {
                    return false;
                }
            }
            if (name.oid().equals(m.oid()) && m.matcher().matches(name.value())) {
                return true;
            }
        }
        return false;
    }

    private static boolean typeMatches(SanMatcher.Type t, int tag) {
        return switch (t) {
            case ANY -> tag == DNS || tag == URI || tag == EMAIL || tag == IP;
            case DNS -> tag == DNS;
            case URI -> tag == URI;
            case EMAIL -> tag == EMAIL;
            case IP_ADDRESS -> tag == IP;
            case OTHER_NAME -> false; // matched by matchesOtherName
        };
    }

    /** DNS SANs with a leading wildcard match one label, as Envoy's dnsNameMatch does for exact matchers. */
    private static boolean matchesValue(SanMatcher m, int tag, String value) {
        if (m.matcher().matches(value)) {
            return true;
        }
        if (tag == DNS && value.startsWith("*.") && m.matcher() instanceof io.remora.config.StringMatcher.Exact e) {
            String want = e.value();
            int dot = want.indexOf('.');
            return dot > 0 && want.substring(dot).equalsIgnoreCase(value.substring(1));
        }
        return false;
    }

    /**
     * Envoy's {@code verifySubjectAltName}: some SAN of the leaf is {@code name}: a DNS SAN by
     * {@link #dnsNameMatch} (wildcards), any other type by equal text.
     */
    static boolean hasName(X509Certificate leaf, String name) {
        for (List<?> san : sans(leaf)) {
            if (san.get(0) instanceof Integer type && san.get(1) instanceof String value
                    && (type == DNS ? dnsNameMatch(name, value) : value.equals(name))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Envoy's {@code Utility::dnsNameMatch}: equal ignoring case, or a pattern whose left-most label
     * holds one '*' (not an A-label) matching the name's first label, the rest equal.
     */
    static boolean dnsNameMatch(String name, String pattern) {
        String n = name.toLowerCase(java.util.Locale.ROOT);
        String p = pattern.toLowerCase(java.util.Locale.ROOT);
        if (n.equals(p)) {
            return true;
        }
        int pd = p.indexOf('.');
        int nd = n.indexOf('.');
        if (pd < 0 || nd < 0) {
            return false;
        }
        String pLabel = p.substring(0, pd);
        String pRest = p.substring(pd + 1);
        String nLabel = n.substring(0, nd);
        if (pLabel.indexOf('*') < 0 || pRest.indexOf('*') >= 0 || pLabel.startsWith("xn--")
                || !n.substring(nd + 1).equals(pRest)) {
            return false;
        }
        if (pLabel.equals("*")) {
            return true;
        }
        int star = pLabel.indexOf('*');
        if (pLabel.indexOf('*', star + 1) >= 0) {
            return false;
        }
        return pLabel.length() <= nLabel.length() + 1 && nLabel.startsWith(pLabel.substring(0, star))
                && nLabel.endsWith(pLabel.substring(star + 1));
    }

    /** The leaf's SANs; none when it has none or they cannot be parsed (nothing then matches). */
    private static Collection<List<?>> sans(X509Certificate leaf) {
        try {
            Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
            return sans == null ? List.of() : sans;
        } catch (CertificateParsingException e) {
            return List.of();
        }
    }
}
