package io.remora.xds.translate;

import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.remora.config.SecretConfig;
import io.remora.xds.ads.SdsFileRefs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code static_resources.secrets} as Envoy's SecretManagerImpl::addStaticSecret takes them: a secret needs a
 * type and a name of its own, and its material is stored unread. Only a TLS context (or a filter) that uses the
 * secret loads it, so a certificate that does not parse fails that user, with its field path, and an unused one
 * fails nothing (Envoy logs nothing about it either). The user may be a bootstrap resource or a listener or
 * cluster arriving over xDS later, whose update is then rejected.
 */
public final class StaticSecretsTranslator {
    private StaticSecretsTranslator() {
    }

    /** The static secrets split: those whose material loads, and the load error of each other one by name. */
    public record Loaded(List<SecretConfig> usable, Map<String, TranslationException> failures) {
    }

    /** Refuses duplicate or typeless secrets, and every reference to a static secret whose material does not load. */
    static void check(Bootstrap b) {
        FieldPath sr = FieldPath.ROOT.field("static_resources");
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
        }
        refuseUses(b.getStaticResources(), sr, load(b.getStaticResources().getSecretsList()).failures());
    }

    /**
     * Throws at the first reference in {@code m} (one without sds_config: a static secret) to a secret of
     * {@code failures}, naming the reference's field path and the secret's own error.
     */
    public static void refuseUses(Message m, FieldPath path, Map<String, TranslationException> failures) {
        if (failures.isEmpty()) {
            return;
        }
        SdsFileRefs.forEach(m, path, (ref, at) -> {
            TranslationException e = ref.hasSdsConfig() ? null : failures.get(ref.getName());
            if (e != null) {
                throw at.error("static secret '" + ref.getName() + "' does not load: " + e.getMessage());
            }
        });
    }

    /** Loads every static secret once: the ones that load go to the data plane, the others are kept to refuse users. */
    public static Loaded load(List<Secret> secrets) {
        List<SecretConfig> usable = new ArrayList<>();
        Map<String, TranslationException> failures = new HashMap<>();
        FieldPath sp = FieldPath.ROOT.field("static_resources").field("secrets");
        for (int i = 0; i < secrets.size(); i++) {
            try {
                usable.add(SecretTranslator.secret(secrets.get(i), sp.index(i)));
            } catch (TranslationException e) {
                failures.put(secrets.get(i).getName(), e);
            }
        }
        return new Loaded(List.copyOf(usable), Map.copyOf(failures));
    }
}
