package io.remora.xds.runtime;

import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.remora.config.SecretConfig;
import io.remora.tls.SecretManager;
import io.remora.xds.ads.XdsRejectedException;
import io.remora.xds.ads.XdsSnapshot;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.SecretTranslator;
import io.remora.xds.translate.StaticSecretsTranslator;
import io.remora.xds.translate.TranslationException;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Feeds secrets to the data plane's {@link SecretManager}: static_resources.secrets once, and
 * each xDS snapshot's SDS secrets (translated, so a bad one NACKs the snapshot; secrets the
 * stream no longer holds are forgotten, static ones are kept).
 */
final class SdsSecrets {
    private final SecretManager manager;
    private final io.remora.xds.ads.SecretFileWatch secretFiles;
    private final Set<String> staticNames = new HashSet<>();
    private Set<String> dynamicNames = Set.of();
    /** The static secrets that do not load, by name: a listener or cluster naming one is rejected. */
    private Map<String, TranslationException> staticFailures = Map.of();

    /** {@code secretFiles}: watches the files SDS secrets name (static secrets are read once, as in Envoy). */
    SdsSecrets(SecretManager manager, io.remora.xds.ads.SecretFileWatch secretFiles) {
        this.manager = manager;
        this.secretFiles = secretFiles;
    }

    /** The static secrets that load; a bad one is refused only where used (StaticSecretsTranslator). */
    void applyStatic(List<Secret> secrets) {
        StaticSecretsTranslator.Loaded loaded = StaticSecretsTranslator.load(secrets);
        loaded.usable().forEach(s -> staticNames.add(s.name()));
        staticFailures = loaded.failures();
        manager.put(loaded.usable());
    }

    /**
     * Rejects a snapshot whose listener, cluster or ECDS filter config names a static secret that does not load:
     * Envoy builds the TLS context or the filter's config when the resource arrives, reading the secret fails there
     * and the LDS, CDS or ECDS update is refused.
     */
    void refuseBadStaticUses(XdsSnapshot snapshot) throws XdsRejectedException {
        if (staticFailures.isEmpty()) {
            return;
        }
        for (Listener l : snapshot.listeners().values()) {
            refuseBadStaticUses(l.getName(), l);
        }
        for (Cluster c : snapshot.clusters().values()) {
            refuseBadStaticUses(c.getName(), c);
        }
        for (var e : snapshot.extensionConfigs().entrySet()) {
            refuseBadStaticUses(e.getKey(), e.getValue());
        }
    }

    private void refuseBadStaticUses(String name, Message resource) throws XdsRejectedException {
        try {
            StaticSecretsTranslator.refuseUses(resource, FieldPath.ROOT, staticFailures);
        } catch (TranslationException e) {
            throw new XdsRejectedException(name, e.path() + ": " + e.reason(), e);
        }
    }

    synchronized void apply(Map<String, Secret> secrets) throws XdsRejectedException {
        List<SecretConfig> out = new ArrayList<>();
        for (Map.Entry<String, Secret> e : secrets.entrySet()) {
            try {
                out.add(SecretTranslator.secret(e.getValue(), FieldPath.ROOT.key(e.getKey())));
            } catch (TranslationException ex) {
                throw new XdsRejectedException(e.getKey(), ex.getMessage(), ex);
            }
        }
        manager.put(out);
        for (Map.Entry<String, Secret> e : secrets.entrySet()) {
            secretFiles.track(e.getValue(), FieldPath.ROOT.key(e.getKey()));
        }
        Set<String> gone = new HashSet<>(dynamicNames);
        gone.removeAll(secrets.keySet());
        gone.removeAll(staticNames);
        if (!gone.isEmpty()) {
            manager.remove(gone);
            secretFiles.forget(gone);
        }
        dynamicNames = Set.copyOf(secrets.keySet());
    }
}
