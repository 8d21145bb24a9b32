package io.remora.upstream;

import io.netty.resolver.HostsFileEntriesProvider;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The hosts file a name-server resolver answers from before it queries, as c-ares reads
 * /etc/hosts first: parsed again when its modification time moves (c-ares keeps its parse until
 * the file changes), so an edit is seen by the next lookup. Netty's own hosts file resolver
 * never re-reads it by default.
 */
final class HostsFile {
    static final Path DEFAULT = Path.of("/etc/hosts");

    private final Path path;
    private FileTime loaded;
    /** Empty until the file is read (a file that is not there has no entries). */
    private HostsFileEntriesProvider entries = HostsFileEntriesProvider.parser().parseSilently(new java.io.File(""));

    HostsFile(Path path) {
        this.path = path;
    }

    /** The file's addresses of the name, IPv4 first; empty when it has none. */
    synchronized List<InetAddress> addresses(String name) {
        FileTime modified;
        try {
            modified = Files.getLastModifiedTime(path);
        } catch (java.io.IOException | RuntimeException gone) {
            modified = null;
        }
        if (modified == null ? loaded != null : !modified.equals(loaded)) {
            entries = HostsFileEntriesProvider.parser().parseSilently(path.toFile());
            loaded = modified;
        }
        String key = name.toLowerCase(Locale.ROOT);
        if (key.endsWith(".")) {
            key = key.substring(0, key.length() - 1);
        }
        List<InetAddress> out = new ArrayList<>(entries.ipv4Entries().getOrDefault(key, List.of()));
        out.addAll(entries.ipv6Entries().getOrDefault(key, List.of()));
        return out;
    }
}
