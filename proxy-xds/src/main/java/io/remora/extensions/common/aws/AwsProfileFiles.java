package io.remora.extensions.common.aws;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The AWS shared files and environment as Envoy reads them: the credentials file
 * ({@code AWS_SHARED_CREDENTIALS_FILE}, else {@code ~/.aws/credentials}), the config file
 * ({@code AWS_CONFIG_FILE}, else {@code ~/.aws/config}), the profile ({@code AWS_PROFILE}, else
 * {@code default}) and the region variables.
 */
public final class AwsProfileFiles {

    private final Map<String, String> env;

    /** @param env the process environment ({@code System.getenv()}), or a test's */
    public AwsProfileFiles(Map<String, String> env) {
        this.env = env;
    }

    public static AwsProfileFiles system() {
        return new AwsProfileFiles(System.getenv());
    }

    /** An environment variable, null when unset or empty (Envoy's getEnvironmentVariableOrDefault). */
    public String env(String name) {
        String v = env.get(name);
        return v == null || v.isEmpty() ? null : v;
    }

    private String orDefault(String name, String dflt) {
        String v = env(name);
        return v == null ? dflt : v;
    }

    public String credentialsFile() {
        return orDefault("AWS_SHARED_CREDENTIALS_FILE", orDefault("HOME", "") + "/.aws/credentials");
    }

    public String configFile() {
        return orDefault("AWS_CONFIG_FILE", orDefault("HOME", "") + "/.aws/config");
    }

    public String profile() {
        return orDefault("AWS_PROFILE", "default");
    }

    /** AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN; null without an access key id. */
    public AwsCredentials environmentCredentials() {
        String id = env("AWS_ACCESS_KEY_ID");
        if (id == null) {
            return null;
        }
        return new AwsCredentials(id, env("AWS_SECRET_ACCESS_KEY"), env("AWS_SESSION_TOKEN"));
    }

    /** AWS_REGION, else AWS_DEFAULT_REGION, else the profile's {@code region} in the config file. */
    public String region() {
        String r = env("AWS_REGION");
        if (r == null) {
            r = env("AWS_DEFAULT_REGION");
        }
        if (r == null) {
            r = section(read(configFile()), configProfile()).get("REGION");
        }
        return r;
    }

    /**
     * SigV4A's region set: AWS_SIGV4A_SIGNING_REGION_SET, else the profile's
     * {@code sigv4a_signing_region_set} in the config file, else {@link #region()}.
     */
    public String regionSet() {
        String r = env("AWS_SIGV4A_SIGNING_REGION_SET");
        if (r == null) {
            r = section(read(configFile()), configProfile()).get("SIGV4A_SIGNING_REGION_SET");
        }
        return r != null ? r : region();
    }

    /** In the config file every profile but the default one is a "[profile name]" section. */
    private String configProfile() {
        String p = profile();
        return p.equals("default") ? p : "profile " + p;
    }

    /** The profile's keys in a credentials file's text; null when it names no access key id. */
    public static AwsCredentials credentials(String fileText, String profile) {
        Map<String, String> keys = section(fileText, profile);
        if (!keys.containsKey("AWS_ACCESS_KEY_ID")) {
            return null;
        }
        return new AwsCredentials(keys.get("AWS_ACCESS_KEY_ID"), keys.get("AWS_SECRET_ACCESS_KEY"),
                keys.get("AWS_SESSION_TOKEN"));
    }

    /** A file's text, null when it cannot be read (Envoy then finds no credentials there). */
    public static String read(String file) {
        try {
            return Files.readString(Path.of(file), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The {@code key = value} lines of {@code [name]} up to the next section, keys upper-cased and
     * both sides trimmed (Envoy's resolveProfileElements).
     */
    static Map<String, String> section(String text, String name) {
        Map<String, String> out = new HashMap<>();
        if (text == null) {
            return out;
        }
        String header = "[" + name + "]";
        boolean in = false;
        for (String raw : text.split("\n")) {
            String line = raw.trim();
            if (line.isEmpty()) {
                continue;
            }
            if (line.equals(header)) {
                in = true;
                continue;
            }
            if (in) {
                if (line.startsWith("[")) {
                    break;
                }
                int eq = line.indexOf('=');
                if (eq >= 0) {
                    out.put(line.substring(0, eq).trim().toUpperCase(Locale.ROOT), line.substring(eq + 1).trim());
                }
            }
        }
        return out;
    }
}
