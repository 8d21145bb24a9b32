package io.remora.extensions.filters.http.jwt_authn;

import java.util.List;

/**
 * The checks of one parsed token against one provider, in jwt_verify_lib's order: time window
 * (with clock skew), the provider's {@code subjects} and lifetime limit, and audiences, then the signature with a key chosen by kid and alg. The issuer
 * was checked by the caller, which needs it to find the provider; the keys come from the caller
 * too, since remote ones are fetched only for a token that passed the claims (as Envoy).
 */
final class JwtVerifier {

    private static final int ED25519_SIGNATURE_LENGTH = 64;

    private JwtVerifier() {
    }

    /**
     * @param audiences the requirement's audiences ({@code provider_and_audiences}) or null for
     *                  the provider's own
     */
    static JwtStatus claims(JwtToken t, JwtProviderConfig p, List<String> audiences, long nowSeconds) {
        long skew = p.clockSkewSeconds();
        if (t.nbf() > nowSeconds + skew) {
            return JwtStatus.NOT_YET_VALID;
        }
        if (t.exp() != 0 && t.exp() < nowSeconds - skew) {
            return JwtStatus.EXPIRED;
        }
        if (p.subjects() != null && !p.subjects().matches(t.payload().get("sub") instanceof String sub ? sub : "")) {
            return JwtStatus.VERIFICATION_FAILS;
        }
        // Envoy's isLifetimeAllowed: the remaining lifetime, exp - now, must be under the limit.
        if (p.maxLifetimeSeconds() != JwtProviderConfig.NO_LIFETIME_LIMIT
                && (t.exp() == 0 || t.exp() - nowSeconds >= p.maxLifetimeSeconds())) {
            return JwtStatus.EXPIRED;
        }
        if (!audiencesAllowed(audiences != null ? audiences : p.audiences(), t.audiences())) {
            return JwtStatus.AUDIENCE_NOT_ALLOWED;
        }
        return JwtStatus.OK;
    }

    static JwtStatus signature(JwtToken t, JwksKeys jwks) {
        if (jwks.keys().isEmpty()) {
            return JwtStatus.JWKS_NO_VALID_KEYS;
        }
        boolean candidate = false;
        for (JwksKeys.Jwk k : jwks.keys()) {
            if (!t.kid().isEmpty() && !k.kid().isEmpty() && !k.kid().equals(t.kid())) {
                continue;
            }
            if (!k.alg().isEmpty() && !k.alg().equals(t.alg())) {
                continue;
            }
            candidate = true;
            // Envoy tries an Ed25519 key whatever the token's alg, and a signature of another
            // length ends the search there (verifySignatureEd25519).
            if (k.kty().equals("OKP") && t.signature().length != ED25519_SIGNATURE_LENGTH) {
                return JwtStatus.ED25519_SIGNATURE_WRONG_LENGTH;
            }
            if (!k.kty().equals(JwtAlgorithms.keyType(t.alg()))) {
                continue;
            }
            if (k.kty().equals("EC") && !t.alg().equals(JwtAlgorithms.ecAlgorithm(k.crv()))) {
                continue;
            }
            if (JwtAlgorithms.verify(t.alg(), k.key(), t.signingInput(), t.signature())) {
                return JwtStatus.OK;
            }
        }
        return candidate ? JwtStatus.VERIFICATION_FAILS : JwtStatus.JWKS_KID_ALG_MISMATCH;
    }

    /** jwt_verify_lib's CheckAudience: none configured allows all; URL scheme and trailing slash ignored. */
    static boolean audiencesAllowed(List<String> configured, List<String> inToken) {
        if (configured.isEmpty()) {
            return true;
        }
        for (String a : inToken) {
            String n = normalize(a);
            for (String c : configured) {
                if (normalize(c).equals(n)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String normalize(String aud) {
        String s = aud;
        if (s.startsWith("http://")) {
            s = s.substring(7);
        } else if (s.startsWith("https://")) {
            s = s.substring(8);
        }
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
