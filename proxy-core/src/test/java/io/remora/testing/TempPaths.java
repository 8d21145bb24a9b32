package io.remora.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Temporary files and directories for tests, removed (directories with what the proxy wrote into
 * them) when the test JVM exits: a test's access logs and proxy logs stay readable until the last
 * test of the run, and the suite leaves nothing behind in the system's temporary directory.
 */
public final class TempPaths {
    private static final Set<Path> CREATED = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(TempPaths::deleteAll, "temp-paths-cleanup"));
    }

    private TempPaths() {
    }

    public static Path file(String prefix, String suffix) throws IOException {
        return track(Files.createTempFile(prefix, suffix));
    }

    public static Path directory(String prefix) throws IOException {
        return track(Files.createTempDirectory(prefix));
    }

    private static Path track(Path path) {
        CREATED.add(path);
        return path;
    }

    private static void deleteAll() {
        for (Path path : CREATED) {
            try {
                deleteTree(path);
            } catch (IOException | UncheckedIOException e) {
                System.err.println("could not delete " + path + ": " + e);
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
