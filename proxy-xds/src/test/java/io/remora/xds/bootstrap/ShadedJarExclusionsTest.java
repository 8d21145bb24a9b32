package io.remora.xds.bootstrap;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.remora.extensions.Extension;
import io.remora.extensions.ExtensionRegistry;
import io.remora.extensions.HttpFilterExtension;
import io.remora.xds.ads.XdsResourceType;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shaded jar leaves out API classes no config can reach (pom.xml's shade excludes: Envoy's v2
 * API, other projects' protos), because the JVM keeps the jar's central directory in the heap and
 * scans it at start-up. The jar only exists after the test phase, so this checks the excludes
 * themselves: no message type Remora accepts may fall under one, i.e. nothing in the file closure
 * of the bootstrap, the xDS resources, the config dump, or any extension's config types.
 */
class ShadedJarExclusionsTest {

    private static final Path POM = Path.of("pom.xml");

    @Test
    void noAcceptedTypeIsExcludedFromTheJar() throws Exception {
        List<Pattern> excludes = apiExcludes();
        assertFalse(excludes.isEmpty(), "no API excludes found in " + POM.toAbsolutePath());

        List<Descriptor> roots = new ArrayList<>(List.of(Bootstrap.getDescriptor(), ConfigDump.getDescriptor(),
                DiscoveryResponse.getDescriptor(), DeltaDiscoveryResponse.getDescriptor()));
        for (XdsResourceType t : XdsResourceType.values()) {
            roots.add(EnvoyTypeRegistry.find(t.typeUrl));
        }
        // read by the overload manager's translator in place of the v3 type
        roots.add(io.envoyproxy.envoy.config.resource_monitor.fixed_heap.v2alpha.FixedHeapConfig.getDescriptor());
        for (Extension e : ExtensionRegistry.get().all()) {
            List<String> types = new ArrayList<>(e.configTypes());
            if (e instanceof HttpFilterExtension<?> h) {
                types.addAll(h.perRouteConfigTypes());
            }
            for (String name : types) {
                roots.add(EnvoyTypeRegistry.find("type.googleapis.com/" + name));
            }
        }
        // every file those types' files import, at any depth: their classes initialize each other
        Set<FileDescriptor> files = new HashSet<>();
        Deque<FileDescriptor> todo = new ArrayDeque<>();
        for (Descriptor d : roots) {
            assertNotNull(d, "a root type did not resolve");
            todo.add(d.getFile());
        }
        while (!todo.isEmpty()) {
            FileDescriptor f = todo.pop();
            if (files.add(f)) {
                todo.addAll(f.getDependencies());
            }
        }
        assertTrue(files.size() > 100, "the closure looks too small: " + files.size());
        List<String> cut = new ArrayList<>();
        for (FileDescriptor f : files) {
            List<Descriptor> types = new ArrayList<>(f.getMessageTypes());
            for (int i = 0; i < types.size(); i++) {
                Descriptor d = types.get(i);
                types.addAll(d.getNestedTypes());
                String path = classPath(d);
                if (excludes.stream().anyMatch(p -> p.matcher(path).matches())) {
                    cut.add(d.getFullName() + " (" + path + ")");
                }
            }
        }
        assertEquals(List.of(), cut, "types Remora accepts whose classes the shaded jar would lose");
    }

    @Test
    void theExcludesCutTheV2Api() throws Exception {
        List<Pattern> excludes = apiExcludes();
        for (String path : List.of("io/envoyproxy/envoy/api/v2/Cluster.class",
                "io/envoyproxy/envoy/config/filter/http/router/v2/Router.class",
                "io/envoyproxy/envoy/type/Percent.class", "io/envoyproxy/envoy/type/matcher/StringMatcher.class",
                "io/envoyproxy/envoy/config/overload/v2alpha/OverloadManager.class",
                "io/envoyproxy/envoy/service/tap/v2alpha/TapConfig.class")) {
            assertTrue(excludes.stream().anyMatch(p -> p.matcher(path).matches()), path);
        }
        for (String path : List.of("io/envoyproxy/envoy/type/v3/Percent.class",
                "io/envoyproxy/envoy/type/matcher/v3/StringMatcher.class")) {
            assertFalse(excludes.stream().anyMatch(p -> p.matcher(path).matches()), path);
        }
    }

    /**
     * The class file a message type lives in, by protoc's Java naming. A file without
     * java_multiple_files nests its types in an outer class of the same package; the excludes
     * are by package, so the package path decides either way.
     */
    private static String classPath(Descriptor d) {
        FileDescriptor f = d.getFile();
        String javaPackage = f.getOptions().hasJavaPackage() ? f.getOptions().getJavaPackage() : f.getPackage();
        String local = f.getPackage().isEmpty() ? d.getFullName() : d.getFullName().substring(f.getPackage().length() + 1);
        return javaPackage.replace('.', '/') + "/" + local.replace('.', '$') + ".class";
    }

    /** The shade plugin's excludes under the API packages, as regexes (Ant-style globs). */
    private static List<Pattern> apiExcludes() throws Exception {
        String pom = Files.readString(POM);
        List<Pattern> out = new ArrayList<>();
        Matcher m = Pattern.compile("<exclude>([^<]+)</exclude>").matcher(pom);
        while (m.find()) {
            String glob = m.group(1).trim();
            if (glob.startsWith("io/envoyproxy/") || glob.startsWith("com/github/") || glob.startsWith("dev/cel/")
                    || glob.startsWith("com/google/")) {
                out.add(Pattern.compile(globToRegex(glob)));
            }
        }
        return out;
    }

    /** Ant/plexus path globs: {@code **} any number of directories, {@code *} within one name. */
    static String globToRegex(String glob) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (glob.startsWith("**/", i)) {
                re.append("(?:[^/]*/)*");
                i += 2;
            } else if (glob.startsWith("**", i)) {
                re.append(".*");
                i += 1;
            } else if (c == '*') {
                re.append("[^/]*");
            } else if (c == '?') {
                re.append("[^/]");
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return re.toString();
    }
}
