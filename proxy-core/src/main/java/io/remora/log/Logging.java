package io.remora.log;

import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;

/**
 * Envoy-style logging on java.util.logging: loggers named {@code remora.<component>}, Envoy's
 * level names (trace, debug, info, warning, error, critical, off), {@code -l} for all of them,
 * {@code --component-log-level upstream:debug,connection:trace} per component, and Envoy's log
 * line format. The admin's {@code /logging} reads and changes the same levels. Loggers outside
 * {@code remora.*} keep JUL's levels but share the handler and format.
 */
public final class Logging {

    public static final String ROOT = "remora";
    public static final String DEFAULT_FORMAT = "[%Y-%m-%d %T.%e][%t][%l][%n] %v";

    /**
     * JUL has no level above SEVERE; Envoy's critical sits there. A plain Level by value (its name is
     * "1100"; {@link #levelName} names it): a subclass, the only way to name it, made JUL spin method
     * handles to register the custom class, 35-55 ms of start-up CPU.
     */
    public static final Level CRITICAL = Level.parse("1100");

    /** Envoy's logger ids that Remora's code logs under (listed by /logging even before first use). */
    public static final List<String> COMPONENTS = List.of("admin", "config", "connection", "conn_handler",
            "dns", "filter", "grpc", "hc", "http", "http2", "init", "lua", "main", "misc", "mongo", "pool", "router",
            "tracing", "runtime", "upstream");

    private static final Map<String, Level> LEVELS = new LinkedHashMap<>();

    static {
        LEVELS.put("trace", Level.FINEST);
        LEVELS.put("debug", Level.FINE);
        LEVELS.put("info", Level.INFO);
        LEVELS.put("warning", Level.WARNING);
        LEVELS.put("error", Level.SEVERE);
        LEVELS.put("critical", CRITICAL);
        LEVELS.put("off", Level.OFF);
    }

    /**
     * Packages whose classes log under their class name, by the Envoy
     * component they belong to: a component's level applies to them, and their lines print the
     * component name.
     */
    private static final String[][] PACKAGE_COMPONENTS = {
            {"io.remora.xds.ads.", "config"},
            {"io.remora.xds.", "config"},
            {"io.remora.upstream.", "upstream"},
            {"io.remora.http.upstream.", "pool"},
            {"io.remora.server.", "main"},
            {"io.remora.listener.", "conn_handler"},
            {"io.remora.", "misc"},
    };

    // JUL keeps loggers weakly: a level set on a collected logger would be lost, so hold them.
    private static final ConcurrentMap<String, Logger> LOGGERS = new ConcurrentHashMap<>();
    private static volatile Handler handler;

    private Logging() {
    }

    /** The logger of an Envoy component, e.g. {@code logger("upstream")} is {@code remora.upstream}. */
    public static Logger logger(String component) {
        return LOGGERS.computeIfAbsent(component, c -> Logger.getLogger(ROOT + "." + c));
    }

    private static Logger root() {
        return LOGGERS.computeIfAbsent("", c -> Logger.getLogger(ROOT));
    }

    /**
     * Installs the formatter on stderr (Envoy logs to stderr) and applies the command line's levels.
     *
     * @param level           {@code -l}, e.g. "info"; null keeps info
     * @param componentLevels {@code --component-log-level}, e.g. "upstream:debug,connection:trace"; may be null
     * @param format          {@code --log-format}; null for Envoy's default
     */
    public static void install(String level, String componentLevels, String format) {
        install(level, componentLevels, format, System.err);
    }

    public static synchronized void install(String level, String componentLevels, String format, OutputStream out) {
        Level global = parseLevel(level == null ? "info" : level);
        Map<String, Level> perComponent = parseComponentLevels(componentLevels);
        StreamHandler h = new StreamHandler(out, new EnvoyLogFormatter(
                format == null ? DEFAULT_FORMAT : format, LogZone.local())) {
            @Override
            public synchronized void publish(java.util.logging.LogRecord record) {
                super.publish(record);
                flush(); // a log line must be visible when it is written, as Envoy's are
            }
        };
        h.setLevel(Level.ALL);
        // On JUL's root, replacing its console handler: third-party lines (Netty, gRPC) come out
        // in the same format, as every line of an Envoy log does.
        Logger jul = Logger.getLogger("");
        for (Handler old : jul.getHandlers()) {
            if (old instanceof java.util.logging.ConsoleHandler || old == handler) {
                jul.removeHandler(old);
            }
        }
        handler = h;
        jul.addHandler(h);
        root().setUseParentHandlers(true);
        setAll(global);
        perComponent.forEach(Logging::setComponent);
    }

    /** Opens {@code --log-path} for appending (created if missing). */
    public static OutputStream openLogFile(java.nio.file.Path path) throws java.io.IOException {
        return new java.io.BufferedOutputStream(java.nio.file.Files.newOutputStream(path,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND,
                java.nio.file.StandardOpenOption.WRITE));
    }

    /** Removes the installed handler and gives JUL back a console handler (tests). */
    public static synchronized void uninstall() {
        Logger jul = Logger.getLogger("");
        if (handler != null) {
            jul.removeHandler(handler);
            handler = null;
            jul.addHandler(new java.util.logging.ConsoleHandler());
        }
        setAll(Level.INFO);
    }

    /** Sets every logger, as Envoy's {@code -l} and {@code /logging?level=} do. */
    public static void setAll(Level level) {
        root().setLevel(level);
        for (String c : COMPONENTS) {
            logger(c).setLevel(level);
        }
        for (String[] pc : PACKAGE_COMPONENTS) {
            packageLogger(pc[0]).setLevel(level);
        }
        LOGGERS.forEach((c, l) -> l.setLevel(level));
    }

    public static void setComponent(String component, Level level) {
        logger(component).setLevel(level);
        for (String[] pc : PACKAGE_COMPONENTS) {
            if (pc[1].equals(component)) {
                packageLogger(pc[0]).setLevel(level);
            }
        }
    }

    private static Logger packageLogger(String prefix) {
        String name = prefix.substring(0, prefix.length() - 1);
        return LOGGERS.computeIfAbsent("pkg:" + name, c -> Logger.getLogger(name));
    }

    /** Components (Envoy's and any used since) with their effective level names, sorted. */
    public static Map<String, String> levels() {
        for (String c : COMPONENTS) {
            logger(c);
        }
        Map<String, String> out = new TreeMap<>();
        LOGGERS.forEach((c, l) -> {
            if (!c.isEmpty() && !c.startsWith("pkg:")) {
                out.put(c, levelName(effectiveLevel(l)));
            }
        });
        return out;
    }

    public static boolean isComponent(String name) {
        return COMPONENTS.contains(name) || (LOGGERS.containsKey(name) && !name.isEmpty() && !name.startsWith("pkg:"));
    }

    private static Level effectiveLevel(Logger l) {
        for (Logger x = l; x != null; x = x.getParent()) {
            if (x.getLevel() != null) {
                return x.getLevel();
            }
        }
        return Level.INFO;
    }

    /** Envoy's level name → JUL level; throws IllegalArgumentException for an unknown name. */
    public static Level parseLevel(String name) {
        Level l = LEVELS.get(name.trim().toLowerCase(java.util.Locale.ROOT));
        if (l == null) {
            throw new IllegalArgumentException("unknown log level: " + name
                    + " (expected one of " + String.join(", ", LEVELS.keySet()) + ")");
        }
        return l;
    }

    /** {@code upstream:debug,connection:trace} → component → level. */
    public static Map<String, Level> parseComponentLevels(String spec) {
        Map<String, Level> out = new LinkedHashMap<>();
        if (spec == null || spec.isBlank()) {
            return out;
        }
        for (String item : spec.split(",")) {
            int colon = item.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("component log level must be <component>:<level>: " + item);
            }
            out.put(item.substring(0, colon).trim(), parseLevel(item.substring(colon + 1)));
        }
        return out;
    }

    /** JUL level → Envoy's name; JUL's in-between levels fall to the nearest Envoy level below. */
    public static String levelName(Level level) {
        int v = level.intValue();
        if (v == Level.OFF.intValue()) {
            return "off";
        }
        if (v >= CRITICAL.intValue()) {
            return "critical";
        }
        if (v >= Level.SEVERE.intValue()) {
            return "error";
        }
        if (v >= Level.WARNING.intValue()) {
            return "warning";
        }
        if (v >= Level.INFO.intValue()) {
            return "info";
        }
        if (v >= Level.FINE.intValue()) {
            return "debug";
        }
        return "trace";
    }

    /** {@code remora.upstream} → {@code upstream}; other loggers keep their names. */
    public static String componentOf(String loggerName) {
        if (loggerName == null) {
            return "";
        }
        if (loggerName.startsWith(ROOT + ".")) {
            return loggerName.substring(ROOT.length() + 1);
        }
        for (String[] pc : PACKAGE_COMPONENTS) {
            if (loggerName.startsWith(pc[0])) {
                return pc[1];
            }
        }
        return loggerName;
    }
}
