package io.remora.xds;

import io.netty.util.internal.PlatformDependent;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The JNI libraries in the jar (Netty's epoll and BoringSSL, brotli4j's, zstd-jni's) copied out
 * into a directory, for the JVM to load in place. Their loaders otherwise copy each one into
 * java.io.tmpdir at every start and load the copy; where that directory is read-only, as in
 * Istio's sidecar container ({@code readOnlyRootFilesystem}), epoll is unavailable and Remora runs
 * on Java NIO, which cannot recover a redirected connection's original destination, and the
 * brotli and zstd codecs fail. Netty's and brotli4j's loaders look on the library path first;
 * zstd-jni's is pointed at its file ({@code ZstdNativePath}). bin/remora has the training run that
 * makes the class-data archive write them ({@code -Dremora.native.dir}) beside the archive, one
 * directory per jar, then puts that directory first on the library path of every later run of the
 * jar and names it in the same property.
 */
final class NativeLibraries {

    static final String PROPERTY = "remora.native.dir";
    private static final String ZSTD_PATH = "ZstdNativePath";

    /** A library: where the jar holds it, and the file name its loader asks for. */
    private record Library(String resource, String file) {
    }

    private NativeLibraries() {
    }

    /** Copies this platform's libraries found on the classpath into dir (made if absent); returns them. */
    static List<Path> extract(Path dir) throws IOException {
        List<Path> written = new ArrayList<>();
        for (Library l : forThisMachine()) {
            try (InputStream in = NativeLibraries.class.getClassLoader().getResourceAsStream(l.resource())) {
                if (in == null) {
                    continue;
                }
                Files.createDirectories(dir);
                Path target = dir.resolve(l.file());
                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                written.add(target);
            }
        }
        return written;
    }

    /**
     * A serving run given the directory ({@value #PROPERTY}): zstd-jni, which does not look on the
     * library path, is pointed at its copy there unless told otherwise.
     */
    static void useDirectory() {
        String dir = System.getProperty(PROPERTY);
        if (dir == null || System.getProperty(ZSTD_PATH) != null) {
            return;
        }
        Path zstd = Path.of(dir, zstdFile());
        if (Files.isRegularFile(zstd)) {
            System.setProperty(ZSTD_PATH, zstd.toString());
        }
    }

    private static List<Library> forThisMachine() {
        if (!"linux".equals(PlatformDependent.normalizedOs())) {
            return List.of();
        }
        String nettyArch = PlatformDependent.normalizedArch(); // x86_64, aarch_64
        String javaArch = System.getProperty("os.arch"); // amd64, aarch64
        String brotliArch = "amd64".equals(javaArch) ? "x86_64" : javaArch;
        String epoll = "libnetty_transport_native_epoll_" + nettyArch + ".so";
        String boringSsl = "libnetty_tcnative_linux_" + nettyArch + ".so";
        return List.of(new Library("META-INF/native/" + epoll, epoll),
                new Library("META-INF/native/" + boringSsl, boringSsl),
                new Library("lib/linux-" + brotliArch + "/libbrotli.so", "libbrotli.so"),
                new Library("linux/" + javaArch + "/" + zstdFile(), zstdFile()));
    }

    private static String zstdFile() {
        return "libzstd-jni-" + com.github.luben.zstd.util.ZstdVersion.VERSION + ".so";
    }
}
