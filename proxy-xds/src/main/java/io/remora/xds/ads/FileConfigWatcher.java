package io.remora.xds.ads;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * path_config_source: a file holding a DiscoveryResponse (YAML or JSON, resources as {@code @type}d Any), re-read
 * whenever anything in its directory changes (Envoy's move-into-place, Kubernetes' ..data symlink swap) and at
 * least once a second, delivered when its bytes change.
 */
final class FileConfigWatcher implements AutoCloseable {
    private static final Logger log = Logger.getLogger(FileConfigWatcher.class.getName());

    private final Path path;
    private final XdsResourceType type;
    private final JsonFormat.TypeRegistry registry;
    private final Consumer<XdsUpdate> sink;
    private volatile boolean closed;
    private WatchService watchService;
    private Thread thread;
    private byte[] last;

    FileConfigWatcher(Path path, XdsResourceType type, JsonFormat.TypeRegistry registry, Consumer<XdsUpdate> sink) {
        this.path = path.toAbsolutePath();
        this.type = type;
        this.registry = registry;
        this.sink = sink;
    }

    void start() {
        try {
            watchService = path.getFileSystem().newWatchService();
            path.getParent().register(watchService, StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
        } catch (IOException e) {
            log.log(Level.WARNING, "cannot watch " + path.getParent() + "; polling " + path + " every second", e);
        }
        check();
        thread = new Thread(this::run, "remora-xds-file-" + type.shortName());
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (!closed) {
            try {
                if (watchService != null) {
                    WatchKey key = watchService.poll(1, TimeUnit.SECONDS);
                    if (key != null) {
                        key.pollEvents();
                        key.reset();
                    }
                } else {
                    Thread.sleep(1000);
                }
                check();
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            }
        }
    }

    private void check() {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            return; // between an unlink and a rename; the next event brings it back
        } catch (IOException e) {
            log.log(Level.WARNING, "cannot read " + path, e);
            return;
        }
        if (Arrays.equals(bytes, last)) {
            return;
        }
        last = bytes;
        sink.accept(parse(new String(bytes, StandardCharsets.UTF_8)));
    }

    XdsUpdate parse(String text) {
        try {
            DiscoveryResponse.Builder b = DiscoveryResponse.newBuilder();
            String json = toJson(text);
            // The default registry knows a few common types only; a file naming any other extension
            // (udp_proxy, RBAC...) gets the types it names, as a bootstrap file does.
            JsonFormat.TypeRegistry registry = this.registry != XdsTypeRegistry.DEFAULT ? this.registry
                    : io.remora.xds.bootstrap.EnvoyTypeRegistry.forJson(com.google.gson.JsonParser.parseString(json));
            try {
                io.remora.xds.bootstrap.ProtoJson.mergeInto(JsonFormat.parser().usingTypeRegistry(registry), json, b);
            } catch (InvalidProtocolBufferException | RuntimeException strict) {
                // As Envoy's loader: enum values in any case, one value where a list belongs.
                com.google.gson.JsonElement tree = com.google.gson.JsonParser.parseString(json);
                if (!io.remora.xds.bootstrap.JsonLeniency.normalize(tree, DiscoveryResponse.getDescriptor())) {
                    throw strict;
                }
                b.clear();
                io.remora.xds.bootstrap.ProtoJson.mergeInto(JsonFormat.parser().usingTypeRegistry(registry), tree.toString(), b);
            }
            if (b.getTypeUrl().isEmpty()) {
                b.setTypeUrl(type.typeUrl);
            }
            if (!b.getTypeUrl().equals(type.typeUrl)) {
                return error("type_url " + b.getTypeUrl() + " where " + type.typeUrl + " was expected");
            }
            return XdsUpdate.fromSotw(b.build(), Instant.now());
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            return error(e.getMessage());
        }
    }

    private XdsUpdate error(String reason) {
        return new XdsUpdate(type, "", "", Map.of(), Set.of(), false, path + ": " + reason);
    }

    /** YAML is a superset of JSON: load either and hand JsonFormat JSON. */
    static String toJson(String text) {
        String t = text.stripLeading();
        if (t.startsWith("{")) {
            return text;
        }
        Object tree = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
        return JsonText.write(tree);
    }

    @Override
    public void close() {
        closed = true;
        if (thread != null) {
            thread.interrupt();
        }
        if (watchService != null) {
            try {
                watchService.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
