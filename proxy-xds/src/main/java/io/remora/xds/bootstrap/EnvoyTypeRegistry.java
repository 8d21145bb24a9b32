package io.remora.xds.bootstrap;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.TypeRegistry;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Every message type an {@code Any} in Envoy's config may carry: the file descriptors of all
 * protos in the Envoy API jar (envoy.*, udpa.*, xds.*, and their google.* dependencies),
 * found by scanning the jar for the generated {@code *Proto} outer classes. Built once, lazily.
 */
public final class EnvoyTypeRegistry {

    private static final Logger LOG = Logger.getLogger("remora.config");
    private static final String[] ROOTS = {"io/envoyproxy/envoy/", "com/github/udpa/", "com/github/xds/"};

    private static volatile Holder holder;

    private EnvoyTypeRegistry() {
    }

    private record Holder(JsonFormat.TypeRegistry json, TypeRegistry binary) {
    }

    public static JsonFormat.TypeRegistry json() {
        return holder().json;
    }

    public static TypeRegistry binary() {
        return holder().binary;
    }

    /** The descriptor of a type URL's message, or null when no such type is built in. */
    public static Descriptor find(String typeUrl) {
        String name = typeUrl.substring(typeUrl.lastIndexOf('/') + 1);
        return holder().json.find(name);
    }

    private static Holder holder() {
        Holder h = holder;
        if (h == null) {
            synchronized (EnvoyTypeRegistry.class) {
                h = holder;
                if (h == null) {
                    h = build();
                    holder = h;
                }
            }
        }
        return h;
    }

    private static Holder build() {
        JsonFormat.TypeRegistry.Builder json = JsonFormat.TypeRegistry.newBuilder();
        TypeRegistry.Builder binary = TypeRegistry.newBuilder();
        int files = 0;
        for (String className : protoOuterClasses()) {
            FileDescriptor file = fileDescriptor(className);
            if (file == null) {
                continue;
            }
            files++;
            for (Descriptor d : file.getMessageTypes()) {
                json.add(d);
                binary.add(d);
            }
            // A file without messages still drags in its dependencies through one that has.
        }
        LOG.fine(() -> "type registry: scanned proto files");
        if (files == 0) {
            throw new IllegalStateException("no Envoy proto descriptors found on the class path");
        }
        return new Holder(json.build(), binary.build());
    }

    private static FileDescriptor fileDescriptor(String className) {
        try {
            Class<?> c = Class.forName(className, false, EnvoyTypeRegistry.class.getClassLoader());
            Object fd = c.getMethod("getDescriptor").invoke(null);
            return fd instanceof FileDescriptor f ? f : null;
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }

    /** Class names of the generated outer classes in the jar (or directory) that holds Bootstrap. */
    static List<String> protoOuterClasses() {
        List<String> out = new ArrayList<>();
        Path location;
        try {
            location = Path.of(Bootstrap.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        try {
            if (Files.isDirectory(location)) {
                try (Stream<Path> s = Files.walk(location)) {
                    s.forEach(p -> {
                        String rel = location.relativize(p).toString().replace('\\', '/');
                        addIfOuter(rel, out);
                    });
                }
            } else {
                try (JarFile jar = new JarFile(location.toFile())) {
                    Enumeration<JarEntry> entries = jar.entries();
                    while (entries.hasMoreElements()) {
                        addIfOuter(entries.nextElement().getName(), out);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static void addIfOuter(String entry, List<String> out) {
        if (!entry.endsWith("Proto.class") || entry.indexOf('$') >= 0) {
            return;
        }
        for (String root : ROOTS) {
            if (entry.startsWith(root)) {
                out.add(entry.substring(0, entry.length() - ".class".length()).replace('/', '.'));
                return;
            }
        }
    }
}
