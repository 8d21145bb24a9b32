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
 * Netty's JNI libraries (epoll and BoringSSL) copied out of the jar into a directory, for the JVM
 * to load from its library path. Netty otherwise copies each one into java.io.tmpdir at every
 * start and loads the copy; where that directory is read-only, as in Istio's sidecar container
 * ({@code readOnlyRootFilesystem}), epoll is unavailable and Remora runs on Java NIO, which cannot
 * recover a redirected connection's original destination. Netty looks on the library path before
 * it copies anything, so a directory on it made once is enough: bin/remora has the training run
 * that makes the class-data archive write them ({@code -Dremora.native.dir}) beside the archive,
 * and puts that directory first on the library path of every later run.
 */
final class NativeLibraries {

    static final String PROPERTY = "remora.native.dir";

    /** Netty's names for its libraries, completed with its name for this machine's architecture. */
    private static final List<String> NETTY = List.of("netty_transport_native_epoll_", "netty_tcnative_linux_");

    private NativeLibraries() {
    }

    /** Copies this platform's libraries found on the classpath into dir (made if absent); returns them. */
    static List<Path> extract(Path dir) throws IOException {
        List<Path> written = new ArrayList<>();
        if (!"linux".equals(PlatformDependent.normalizedOs())) {
            return written;
        }
        for (String name : NETTY) {
            String file = "lib" + name + PlatformDependent.normalizedArch() + ".so";
            try (InputStream in = NativeLibraries.class.getClassLoader().getResourceAsStream("META-INF/native/" + file)) {
                if (in == null) {
                    continue;
                }
                Files.createDirectories(dir);
                Path target = dir.resolve(file);
                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                written.add(target);
            }
        }
        return written;
    }
}
