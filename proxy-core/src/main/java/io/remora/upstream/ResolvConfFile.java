package io.remora.upstream;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of resolv.conf(5) a name-server resolver uses: name servers, the search list, ndots.
 * Read here rather than through Netty because c-ares' fallback rule needs to know whether the
 * file names any server at all (Netty substitutes public servers when it names none).
 */
record ResolvConfFile(List<InetSocketAddress> nameServers, List<String> searchDomains, int ndots) {
    static final Path DEFAULT = Path.of("/etc/resolv.conf");

    static ResolvConfFile read(Path path) {
        List<String> lines;
        try {
            lines = Files.readAllLines(path);
        } catch (IOException | RuntimeException e) {
            lines = List.of();
        }
        List<InetSocketAddress> servers = new ArrayList<>();
        List<String> search = new ArrayList<>();
        int ndots = 1;
        for (String raw : lines) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            String[] t = line.split("\\s+");
            switch (t[0]) {
                case "nameserver" -> {
                    if (t.length > 1) {
                        InetSocketAddress a = literal(t[1]);
                        if (a != null) {
                            servers.add(a);
                        }
                    }
                }
                // As resolv.conf(5): the last of domain and search wins.
                case "domain", "search" -> {
                    search.clear();
                    for (int i = 1; i < t.length; i++) {
                        search.add(t[i]);
                    }
                }
                case "options" -> {
                    for (int i = 1; i < t.length; i++) {
                        if (t[i].startsWith("ndots:")) {
                            try {
                                ndots = Math.min(15, Math.max(0, Integer.parseInt(t[i].substring(6))));
                            } catch (NumberFormatException e) {
                                // keep the default, as the C library does
                            }
                        }
                    }
                }
                default -> {
                }
            }
        }
        return new ResolvConfFile(List.copyOf(servers), List.copyOf(search), ndots);
    }

    /** An IP literal with DNS's port; null when the text is not one (no lookup is made). */
    private static InetSocketAddress literal(String ip) {
        String s = ip;
        int zone = s.indexOf('%');
        if (zone > 0) {
            s = s.substring(0, zone);
        }
        if (!s.isEmpty() && (Character.digit(s.charAt(0), 16) >= 0 || s.charAt(0) == ':')
                && (s.indexOf(':') >= 0 || s.chars().allMatch(c -> c == '.' || Character.isDigit(c)))) {
            try {
                return new InetSocketAddress(InetAddress.getByName(s), 53);
            } catch (IOException e) {
                return null;
            }
        }
        return null;
    }
}
