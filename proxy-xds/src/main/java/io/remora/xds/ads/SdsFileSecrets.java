package io.remora.xds.ads;

import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.remora.config.SecretConfig;
import io.remora.tls.SecretManager;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.SecretTranslator;
import io.remora.xds.translate.TranslationException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * SDS from files: each file an sds_config path_config_source names holds a DiscoveryResponse with the one Secret
 * of that name, read at once (a missing file or secret fails the config, naming the field) and then watched with
 * the {@link FileConfigWatcher} file LDS/CDS use; a changed secret goes into the same {@link SecretManager} that
 * SDS over ADS feeds, so TLS contexts and filters reading secrets by name take it for new connections.
 */
public final class SdsFileSecrets implements AutoCloseable {
    private static final Logger log = Logger.getLogger(SdsFileSecrets.class.getName());

    private final SecretManager manager;
    private final SecretFileWatch secretFiles;
    /** The watched files, and which secret names each is read for. */
    private final Map<Path, Set<String>> names = new HashMap<>();
    private final List<FileConfigWatcher> watchers = new ArrayList<>();
    private final Map<String, XdsResource> active = new ConcurrentHashMap<>();

    /** {@code secretFiles}: watches the certificate files the secrets name. */
    public SdsFileSecrets(SecretManager manager, SecretFileWatch secretFiles) {
        this.manager = manager;
        this.secretFiles = secretFiles;
    }

    /**
     * Reads every referenced file (throwing, with the reference's field, when one cannot serve its secret) and
     * returns the secrets, without watching anything: what {@code --mode validate} checks.
     */
    public static List<SecretConfig> read(List<SdsFileRefs.Ref> refs) {
        List<SecretConfig> out = new ArrayList<>();
        resources(refs).values().forEach(f -> out.add(f.config()));
        return out;
    }

    /** One secret read from a file: as the file gives it (for /config_dump) and translated at {@code path}. */
    private record FileSecret(XdsResource resource, SecretConfig config, FieldPath path) {
    }

    /** The secret each ref names, by name, read from its file (each file once). */
    private static Map<String, FileSecret> resources(List<SdsFileRefs.Ref> refs) {
        Map<String, FileSecret> out = new LinkedHashMap<>();
        Map<Path, XdsUpdate> parsed = new HashMap<>();
        for (SdsFileRefs.Ref ref : refs) {
            XdsUpdate update = parsed.computeIfAbsent(ref.file().toAbsolutePath(), p -> parse(p, ref));
            out.put(ref.name(), read(ref, update));
        }
        return out;
    }

    /** Reads the secret files a snapshot's listeners and clusters name and watches them; a bad one rejects it. */
    public void watch(XdsSnapshot snapshot) throws XdsRejectedException {
        for (Listener l : snapshot.listeners().values()) {
            watch(l.getName(), l);
        }
        for (Cluster c : snapshot.clusters().values()) {
            watch(c.getName(), c);
        }
    }

    private void watch(String resourceName, Message resource) throws XdsRejectedException {
        try {
            watch(SdsFileRefs.find(resource, FieldPath.ROOT));
        } catch (TranslationException e) {
            throw new XdsRejectedException(resourceName, e.getMessage(), e);
        }
    }

    /** The secrets read from files now in use, for /config_dump's dynamic_active_secrets. */
    public Collection<XdsResource> active() {
        return active.values();
    }

    /** Reads the files of refs not watched yet into the manager, then watches them. Call from one thread. */
    public synchronized void watch(List<SdsFileRefs.Ref> refs) {
        List<SdsFileRefs.Ref> fresh = new ArrayList<>();
        for (SdsFileRefs.Ref ref : refs) {
            Set<String> known = names.get(ref.file().toAbsolutePath());
            if (known == null || !known.contains(ref.name())) {
                fresh.add(ref);
            }
        }
        if (fresh.isEmpty()) {
            return;
        }
        Map<String, FileSecret> read = resources(fresh);
        manager.put(read.values().stream().map(FileSecret::config).toList());
        read.forEach((name, f) -> {
            active.put(name, f.resource());
            secretFiles.track((Secret) f.resource().resource(), f.path());
        });
        for (SdsFileRefs.Ref ref : fresh) {
            Path file = ref.file().toAbsolutePath();
            Set<String> wanted = names.computeIfAbsent(file, f -> ConcurrentHashMap.newKeySet());
            boolean firstName = wanted.isEmpty();
            wanted.add(ref.name());
            if (firstName) {
                FileConfigWatcher w = new FileConfigWatcher(file, XdsResourceType.SECRET, XdsTypeRegistry.DEFAULT,
                        update -> onChange(file, wanted, update));
                watchers.add(w);
                w.start();
            }
        }
    }

    /**
     * A rewritten file: its secret replaces the old one; a file that no longer serves it is rejected whole and
     * the old secret stays, as Envoy keeps the last good SDS update.
     */
    private void onChange(Path file, Set<String> wanted, XdsUpdate update) {
        Map<String, FileSecret> read = new HashMap<>();
        for (String name : wanted) {
            SdsFileRefs.Ref ref = new SdsFileRefs.Ref(name, file, FieldPath.of(file.toString()));
            try {
                read.put(name, read(ref, update));
            } catch (TranslationException e) {
                log.warning("SDS file " + file + ": update rejected, keeping secret '" + name + "': " + e.reason());
                return;
            }
        }
        manager.put(read.values().stream().map(FileSecret::config).toList());
        read.forEach((name, f) -> {
            active.put(name, f.resource());
            secretFiles.track((Secret) f.resource().resource(), f.path());
        });
    }

    private static XdsUpdate parse(Path file, SdsFileRefs.Ref ref) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            // Envoy's check when the subscription is made (Config::Utility::checkFilesystemSubscriptionBackingPath)
            throw sdsConfigPath(ref).error("paths must refer to an existing path in the system: '" + file
                    + "' does not exist");
        } catch (IOException e) {
            throw sdsConfigPath(ref).error("cannot read SDS file " + file + ": " + e);
        }
        return new FileConfigWatcher(file, XdsResourceType.SECRET, XdsTypeRegistry.DEFAULT, u -> { }).parse(text);
    }

    /** Envoy's SdsApi: the file's response must hold exactly one secret, the one named. */
    private static FileSecret read(SdsFileRefs.Ref ref, XdsUpdate update) {
        if (update.error() != null) {
            throw sdsConfigPath(ref).error(update.error());
        }
        Map<String, XdsResource> resources = update.resources();
        if (resources.isEmpty()) {
            throw ref.path().field("name").error("Missing SDS resources for " + ref.name() + " in " + ref.file());
        }
        if (update.listed() > 1) {
            throw ref.path().field("name").error("Unexpected SDS secrets length for " + ref.name()
                    + ", number of added resources " + update.listed() + ", number of removed resources 0."
                    + " Expected sum is 1 (" + ref.file() + ")");
        }
        XdsResource r = resources.get(ref.name());
        if (r == null) {
            throw ref.path().field("name").error("Unexpected SDS secret (expecting " + ref.name() + "): "
                    + resources.keySet().iterator().next() + " (" + ref.file() + ")");
        }
        FieldPath at = sdsConfigPath(ref).key(ref.file().toString());
        return new FileSecret(r, SecretTranslator.secret((Secret) r.resource(), at), at);
    }

    private static FieldPath sdsConfigPath(SdsFileRefs.Ref ref) {
        return ref.path().field("sds_config");
    }

    @Override
    public synchronized void close() {
        watchers.forEach(FileConfigWatcher::close);
        watchers.clear();
    }
}
