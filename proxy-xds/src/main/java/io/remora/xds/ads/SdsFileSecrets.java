package io.remora.xds.ads;

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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
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
    /** The watched files, and which secret names each is read for. */
    private final Map<Path, Set<String>> names = new HashMap<>();
    private final List<FileConfigWatcher> watchers = new ArrayList<>();

    public SdsFileSecrets(SecretManager manager) {
        this.manager = manager;
    }

    /**
     * Reads every referenced file (throwing, with the reference's field, when one cannot serve its secret) and
     * returns the secrets, without watching anything: what {@code --mode validate} checks.
     */
    public static List<SecretConfig> read(List<SdsFileRefs.Ref> refs) {
        List<SecretConfig> out = new ArrayList<>();
        Map<Path, XdsUpdate> parsed = new HashMap<>();
        for (SdsFileRefs.Ref ref : refs) {
            XdsUpdate update = parsed.computeIfAbsent(ref.file().toAbsolutePath(), p -> parse(p, ref));
            out.add(secret(ref, update));
        }
        return out;
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
        manager.put(read(fresh));
        for (SdsFileRefs.Ref ref : fresh) {
            Path file = ref.file().toAbsolutePath();
            Set<String> forFile = names.get(file);
            if (forFile == null) {
                forFile = java.util.concurrent.ConcurrentHashMap.newKeySet();
                names.put(file, forFile);
                Set<String> wanted = forFile;
                FileConfigWatcher w = new FileConfigWatcher(file, XdsResourceType.SECRET, XdsTypeRegistry.DEFAULT,
                        update -> onChange(file, wanted, update));
                watchers.add(w);
                forFile.add(ref.name());
                w.start();
            } else {
                forFile.add(ref.name());
            }
        }
    }

    /**
     * A rewritten file: its secret replaces the old one; a file that no longer serves it is rejected whole and
     * the old secret stays, as Envoy keeps the last good SDS update.
     */
    private void onChange(Path file, Set<String> wanted, XdsUpdate update) {
        List<SecretConfig> out = new ArrayList<>();
        for (String name : wanted) {
            SdsFileRefs.Ref ref = new SdsFileRefs.Ref(name, file, FieldPath.of(file.toString()));
            try {
                out.add(secret(ref, update));
            } catch (TranslationException e) {
                log.warning("SDS file " + file + ": update rejected, keeping secret '" + name + "': " + e.reason());
                return;
            }
        }
        manager.put(out);
    }

    private static XdsUpdate parse(Path file, SdsFileRefs.Ref ref) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw sdsConfigPath(ref).error("cannot read SDS file " + file + ": " + e);
        }
        return new FileConfigWatcher(file, XdsResourceType.SECRET, XdsTypeRegistry.DEFAULT, u -> { }).parse(text);
    }

    /** Envoy's SdsApi: the file's response must hold exactly one secret, the one named. */
    private static SecretConfig secret(SdsFileRefs.Ref ref, XdsUpdate update) {
        if (update.error() != null) {
            throw sdsConfigPath(ref).error(update.error());
        }
        Map<String, XdsResource> resources = update.resources();
        if (resources.isEmpty()) {
            throw ref.path().field("name").error("Missing SDS resources for " + ref.name() + " in " + ref.file());
        }
        if (resources.size() > 1) {
            throw ref.path().field("name").error("Unexpected SDS secrets length for " + ref.name()
                    + ", number of added resources " + resources.size() + ", number of removed resources 0."
                    + " Expected sum is 1 (" + ref.file() + ")");
        }
        XdsResource r = resources.get(ref.name());
        if (r == null) {
            throw ref.path().field("name").error("Unexpected SDS secret (expecting " + ref.name() + "): "
                    + new TreeSet<>(resources.keySet()).first() + " (" + ref.file() + ")");
        }
        return SecretTranslator.secret((Secret) r.resource(), ref.path().field("sds_config").key(ref.file().toString()));
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
