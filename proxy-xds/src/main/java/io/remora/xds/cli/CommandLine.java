package io.remora.xds.cli;

import io.remora.server.DrainStrategy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Envoy's command line, as pilot-agent and users write it: {@code --flag value} or
 * {@code --flag=value}. Flags about Envoy's hot restart, symbol tables and extension
 * registry mean nothing for Remora: they are accepted (their value too) with one warning each.
 */
public final class CommandLine {

    /** Envoy flags Remora accepts and ignores, with whether they take a value. */
    private static final Map<String, Boolean> IGNORED = new LinkedHashMap<>();

    static {
        IGNORED.put("--base-id", true);
        IGNORED.put("--use-dynamic-base-id", false);
        IGNORED.put("--base-id-path", true);
        IGNORED.put("--restart-epoch", true);
        IGNORED.put("--hot-restart-version", false);
        IGNORED.put("--disable-hot-restart", false);
        IGNORED.put("--cpuset-threads", false);
        IGNORED.put("--enable-mutex-tracing", false);
        IGNORED.put("--reject-unknown-dynamic-fields", false);
        IGNORED.put("--ignore-unknown-dynamic-fields", false);
        IGNORED.put("--disable-extensions", true);
        IGNORED.put("--max-obj-name-len", true);
        IGNORED.put("--max-stats", true);
        IGNORED.put("--skip-deprecated-logs", false);
        IGNORED.put("--enable-fine-grain-logging", false);
        IGNORED.put("--enable-core-dump", false);
        IGNORED.put("--socket-path", true);
        IGNORED.put("--socket-mode", true);
        IGNORED.put("--stats-tag", true);
        IGNORED.put("--bootstrap-version", true);
        IGNORED.put("--use-fake-symbol-table", true);
        IGNORED.put("--log-format-escaped", false);
        IGNORED.put("--log-format-prefix-with-location", true);
    }

    private static final Set<String> LOG_LEVELS = Set.of("trace", "debug", "info", "warning", "warn", "error",
            "critical", "off");

    private CommandLine() {
    }

    public static String usage() {
        return """
                Usage: remora [options]
                  -c, --config-path FILE          Envoy v3 bootstrap (YAML or JSON)
                      --config-yaml YAML          bootstrap YAML merged over the file
                      --mode serve|validate|init_only
                                                  validate: check the config, exit 0 (valid) or 1
                      --concurrency N             worker threads (default: available cores)
                  -l, --log-level LEVEL           trace|debug|info|warning|error|critical|off
                      --component-log-level C:L,...
                      --log-format FORMAT
                      --log-path FILE             write the log to FILE (appending) instead of stderr
                      --service-cluster NAME      overrides node.cluster
                      --service-node ID           overrides node.id
                      --service-zone ZONE         overrides node.locality.zone
                      --drain-time-s N            drain time on shutdown (default 600)
                      --parent-shutdown-time-s N  (default 900; hot restart only, so no effect)
                      --drain-strategy gradual|immediate
                                                  gradual (default): a growing share of connections is told to
                                                  close over the drain time; immediate: all at once
                      --allow-unknown-static-fields
                                                  ignore unknown bootstrap fields (warning) instead of refusing
                      --local-address-ip-version v4|v6
                      --file-flush-interval-msec N
                      --tls-provider boringssl|jdk
                                                  TLS library (default boringssl; jdk: the JDK's JSSE)
                      --demo                      run the bundled demo with its own upstreams
                  -h, --help                      this text
                      --version                   print the version
                Accepted and ignored (no meaning for Remora): %s
                """.formatted(String.join(" ", IGNORED.keySet()));
    }

    public static Options parse(String... args) throws UsageException {
        Path configPath = null;
        String configYaml = null;
        int concurrency = Runtime.getRuntime().availableProcessors();
        String logLevel = "info";
        Map<String, String> components = new LinkedHashMap<>();
        String serviceCluster = null;
        String serviceNode = null;
        Duration drain = Duration.ofSeconds(600);
        Duration parentShutdown = Duration.ofSeconds(900);
        String ipVersion = "v4";
        String logFormat = null;
        Path logPath = null;
        Duration flush = Duration.ofSeconds(10);
        Options.Mode mode = Options.Mode.SERVE;
        boolean demo = false;
        boolean help = false;
        boolean version = false;
        String tlsProvider = null;
        String serviceZone = null;
        DrainStrategy drainStrategy = DrainStrategy.GRADUAL;
        boolean allowUnknownStaticFields = false;
        List<String> warnings = new ArrayList<>();

        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String flag = arg;
            String inline = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                flag = arg.substring(0, eq);
                inline = arg.substring(eq + 1);
            }
            Cursor c = new Cursor(args, i, flag, inline);
            switch (flag) {
                case "-c", "--config-path" -> configPath = Path.of(c.value());
                case "--config-yaml" -> configYaml = c.value();
                case "--concurrency" -> {
                    concurrency = c.intValue(0, 4096);
                    if (concurrency == 0) {
                        concurrency = Runtime.getRuntime().availableProcessors();
                    }
                }
                case "-l", "--log-level" -> {
                    logLevel = c.value().toLowerCase(Locale.ROOT);
                    if (!LOG_LEVELS.contains(logLevel)) {
                        throw new UsageException("invalid --log-level '" + logLevel + "'");
                    }
                    logLevel = logLevel.equals("warn") ? "warning" : logLevel;
                }
                case "--component-log-level" -> {
                    for (String part : c.value().split(",")) {
                        int colon = part.indexOf(':');
                        String level = colon > 0 ? part.substring(colon + 1).trim().toLowerCase(Locale.ROOT) : "";
                        if (colon <= 0 || !LOG_LEVELS.contains(level)) {
                            throw new UsageException("invalid --component-log-level '" + part
                                    + "' (expected component:level)");
                        }
                        components.put(part.substring(0, colon).trim(), level.equals("warn") ? "warning" : level);
                    }
                }
                case "--service-cluster" -> serviceCluster = c.value();
                case "--service-node" -> serviceNode = c.value();
                case "--service-zone" -> serviceZone = c.value();
                case "--allow-unknown-static-fields" -> allowUnknownStaticFields = c.flag();
                case "--drain-strategy" -> {
                    String v = c.value();
                    drainStrategy = switch (v) {
                        case "immediate" -> DrainStrategy.IMMEDIATE;
                        case "gradual" -> DrainStrategy.GRADUAL;
                        default -> throw new UsageException("invalid --drain-strategy '" + v + "' (gradual or immediate)");
                    };
                }
                case "--drain-time-s" -> drain = Duration.ofSeconds(c.intValue(0, Integer.MAX_VALUE));
                case "--parent-shutdown-time-s" -> parentShutdown = Duration.ofSeconds(c.intValue(0, Integer.MAX_VALUE));
                case "--local-address-ip-version" -> {
                    ipVersion = c.value();
                    if (!ipVersion.equals("v4") && !ipVersion.equals("v6")) {
                        throw new UsageException("invalid --local-address-ip-version '" + ipVersion
                                + "' (v4 or v6)");
                    }
                }
                case "--log-format" -> logFormat = c.value();
                case "--log-path" -> logPath = Path.of(c.value());
                case "--file-flush-interval-msec" -> flush = Duration.ofMillis(c.intValue(0, Integer.MAX_VALUE));
                case "--mode" -> {
                    String m = c.value();
                    mode = switch (m) {
                        case "serve" -> Options.Mode.SERVE;
                        case "validate" -> Options.Mode.VALIDATE;
                        case "init_only" -> Options.Mode.INIT_ONLY;
                        default -> throw new UsageException("invalid --mode '" + m + "' (serve, validate, init_only)");
                    };
                }
                case "--demo" -> demo = c.flag();
                case "--tls-provider" -> {
                    tlsProvider = c.value().toLowerCase(Locale.ROOT);
                    try {
                        io.remora.tls.TlsProvider.parse(tlsProvider);
                    } catch (IllegalArgumentException e) {
                        throw new UsageException("invalid --tls-provider '" + tlsProvider + "' (boringssl or jdk)");
                    }
                }
                case "-h", "--help" -> help = c.flag();
                case "--version" -> version = c.flag();
                default -> {
                    Boolean takesValue = IGNORED.get(flag);
                    if (takesValue == null) {
                        throw new UsageException("unknown option '" + arg + "'");
                    }
                    if (takesValue) {
                        c.value();
                    } else {
                        c.flag();
                    }
                    warnings.add("ignoring " + flag + ": it has no meaning for Remora");
                }
            }
            i = c.index;
        }
        return new Options(configPath, configYaml, concurrency, logLevel, Collections.unmodifiableMap(components),
                emptyToNull(serviceCluster), emptyToNull(serviceNode), drain, parentShutdown, ipVersion, logFormat, flush, mode, demo, help,
                version, List.copyOf(warnings), logPath, tlsProvider, emptyToNull(serviceZone), drainStrategy,
                allowUnknownStaticFields);
    }

    /** Envoy ignores an empty --service-node/-cluster/-zone: the bootstrap's value stays. */
    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** Reads a flag's value from "--flag=value" or the next argument. */
    private static final class Cursor {
        final String[] args;
        int index;
        final String flag;
        final String inline;

        Cursor(String[] args, int index, String flag, String inline) {
            this.args = args;
            this.index = index;
            this.flag = flag;
            this.inline = inline;
        }

        String value() throws UsageException {
            if (inline != null) {
                return inline;
            }
            if (index + 1 >= args.length) {
                throw new UsageException("option " + flag + " needs a value");
            }
            return args[++index];
        }

        int intValue(int min, int max) throws UsageException {
            String v = value();
            try {
                long n = Long.parseLong(v.trim());
                if (n < min || n > max) {
                    throw new UsageException("option " + flag + ": " + v + " is out of range");
                }
                return (int) n;
            } catch (NumberFormatException e) {
                throw new UsageException("option " + flag + " needs a number, got '" + v + "'");
            }
        }

        boolean flag() throws UsageException {
            if (inline != null) {
                return switch (inline) {
                    case "true", "1" -> true;
                    case "false", "0" -> false;
                    default -> throw new UsageException("option " + flag + " takes no value");
                };
            }
            return true;
        }
    }
}
