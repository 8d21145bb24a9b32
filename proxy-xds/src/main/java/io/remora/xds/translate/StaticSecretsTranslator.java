package io.remora.xds.translate;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.remora.config.SecretConfig;
import io.remora.xds.ads.SdsFileRefs;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * {@code static_resources.secrets} as Envoy's SecretManagerImpl::addStaticSecret takes them: a secret needs a
 * type and a name of its own, and its material is stored unread. Only a TLS context (or a filter) that uses the
 * secret loads it, so a certificate that does not parse fails that user, with its field path, and an unused one
 * fails nothing (Envoy logs nothing about it either).
 */
public final class StaticSecretsTranslator {
    private StaticSecretsTranslator() {
    }

    /** Refuses duplicate or typeless secrets, and every reference to a static secret whose material does not load. */
    static void check(Bootstrap b) {
        FieldPath sr = FieldPath.ROOT.field("static_resources");
        Map<String, TranslationException> bad = new HashMap<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < b.getStaticResources().getSecretsCount(); i++) {
            Secret s = b.getStaticResources().getSecrets(i);
            FieldPath sp = sr.field("secrets").index(i);
            if (s.getName().isEmpty()) {
                throw sp.field("name").error("name is required");
            }
            if (s.getTypeCase() == Secret.TypeCase.TYPE_NOT_SET) {
                throw sp.error("secret '" + s.getName() + "' holds nothing"); // as Envoy refuses a secret of no type
            }
            if (!names.add(s.getName())) {
                throw sp.field("name").error("duplicate secret name '" + s.getName() + "'");
            }
            TranslationException e = load(s, sp);
            if (e != null) {
                bad.put(s.getName(), e);
            }
        }
        if (bad.isEmpty()) {
            return;
        }
        SdsFileRefs.forEach(b.getStaticResources(), sr, (ref, at) -> {
            TranslationException e = ref.hasSdsConfig() ? null : bad.get(ref.getName());
            if (e != null) {
                throw at.error("static secret '" + ref.getName() + "' does not load: " + e.getMessage());
            }
        });
    }

    /** The secrets whose material loads, for the data plane; the others are used by nothing (checked above). */
    public static java.util.List<SecretConfig> usable(java.util.List<Secret> secrets) {
        java.util.List<SecretConfig> out = new java.util.ArrayList<>();
        FieldPath sp = FieldPath.ROOT.field("static_resources").field("secrets");
        for (int i = 0; i < secrets.size(); i++) {
            try {
                out.add(SecretTranslator.secret(secrets.get(i), sp.index(i)));
            } catch (TranslationException e) {
                // unused: nothing to serve, nothing to say
            }
        }
        return out;
    }

    private static TranslationException load(Secret s, FieldPath path) {
        try {
            SecretTranslator.secret(s, path);
            return null;
        } catch (TranslationException e) {
            return e;
        }
    }
}
