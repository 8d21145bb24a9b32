package io.remora.xds;

import io.remora.log.Logging;
import io.remora.server.ServerOptions;
import io.remora.server.Transport;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.bootstrap.LoadedBootstrap;
import io.remora.xds.cli.CommandLine;
import io.remora.xds.cli.Options;
import io.remora.xds.cli.UsageException;
import io.remora.xds.demo.DemoUpstreams;
import io.remora.xds.runtime.Proxy;
import io.remora.xds.translate.TranslationException;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code remora [envoy flags]}: parse the command line, load and validate the bootstrap, run the
 * server until SIGTERM/SIGINT, then drain and exit 0. Exit codes: 0 ok, 1 bad config, 2 bad usage.
 */
public final class Main {

    private static final Logger LOG = Logging.logger("main");
    public static final String VERSION = "0.1.0";
    /** Where {@code --demo} binds its admin (default 127.0.0.1); the container image sets 0.0.0.0. */
    public static final String DEMO_ADMIN_ADDRESS_ENV = "REMORA_DEMO_ADMIN_ADDRESS";

    private final PrintStream out;
    private final PrintStream err;
    private final CountDownLatch stop = new CountDownLatch(1);

    public Main(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        sidecarDefaults();
        NativeLibraries.useDirectory();
        System.exit(new Main(System.out, System.err).run(args));
    }

    /**
     * Netty's settings for a proxy in production, unless given with -D (tests run the leak
     * detector at paranoid): no leak-detection sampling, whose records cost allocation and stack
     * walks on the hot path even when nothing leaks; no JFR event classes loaded at start-up;
     * small recycling queues in the allocator's shared magazines. Those magazines serve only
     * threads without magazines of their own (main, xDS), not the event loops, yet each queue is
     * allocated at its full capacity up front: 1,024 slots (12 KB) per size class and allocator
     * kept about 0.4 MB of live heap for buffers that are never recycled through them.
     * Direct buffers Netty allocates outside its pool (reads over its pooled sizes, such as
     * tcp_proxy's, and new chunks) without {@code ByteBuffer.allocateDirect}'s zeroing and cleaner:
     * zeroing each 256 KiB relay read was 7 % of a tcp_proxy worker. It needs java.nio opened to
     * Netty, which the jar's manifest does ({@code Add-Opens}) when run with {@code java -jar};
     * otherwise Netty keeps allocateDirect. Set before any Netty class reads them.
     *
     * <p>And no caching of name lookups in the JVM (by default it keeps answers 30 s, failures
     * 10 s): STRICT_DNS and LOGICAL_DNS clusters ask again every {@code dns_refresh_rate} and must
     * get the resolver's current answer then, as Envoy's do. Set before InetAddress is first used.
     */
    static void sidecarDefaults() {
        if (java.security.Security.getProperty("networkaddress.cache.ttl") == null
                && System.getProperty("sun.net.inetaddr.ttl") == null) {
            java.security.Security.setProperty("networkaddress.cache.ttl", "0");
        }
        if (System.getProperty("sun.net.inetaddr.negative.ttl") == null) {
            java.security.Security.setProperty("networkaddress.cache.negative.ttl", "0");
        }
        System.getProperties().putIfAbsent("io.netty.tryReflectionSetAccessible", "true");
        System.getProperties().putIfAbsent("io.netty.leakDetection.level", "disabled");
        System.getProperties().putIfAbsent("io.netty.jfr.enabled", "false");
        System.getProperties().putIfAbsent("io.netty.allocator.magazineBufferQueueCapacity", "64");
    }

    /** Runs Remora; returns the process exit code (serve mode returns after a signal and drain). */
    public int run(String[] args) {
        Options o;
        try {
            o = CommandLine.parse(args);
        } catch (UsageException e) {
            err.println("error: " + e.getMessage());
            err.print(CommandLine.usage());
            return 2;
        }
        if (o.help()) {
            out.print(CommandLine.usage());
            return 0;
        }
        if (o.version()) {
            out.println("remora version " + VERSION);
            return 0;
        }
        StartupWarmup.start(o.mode() != Options.Mode.VALIDATE);
        try {
            configureLogging(o);
        } catch (IOException e) {
            err.println("error: cannot open --log-path " + o.logPath() + ": " + e.getMessage());
            return 1;
        }
        o.warnings().forEach(LOG::warning);
        LOG.fine(() -> "JVM " + System.getProperty("java.vm.name") + " " + Runtime.version() + " ("
                + System.getProperty("java.home") + "), flags "
                + java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());

        LoadedBootstrap loaded;
        String source;
        try {
            BootstrapLoader loader = new BootstrapLoader().serviceNode(o.serviceNode())
                    .serviceCluster(o.serviceCluster()).serviceZone(o.serviceZone()).drainTime(o.drainTime())
                    .allowUnknownStaticFields(o.allowUnknownStaticFields());
            if (o.demo() && o.configPath() == null && o.configYaml() == null) {
                source = "demo.yaml (bundled)";
                String adminAddress = System.getenv(DEMO_ADMIN_ADDRESS_ENV);
                if (adminAddress == null || adminAddress.isBlank()) {
                    loaded = loader.loadString(demoConfig(), "demo.yaml");
                } else {
                    // The container image sets 0.0.0.0 so `docker run -p 9901:9901` reaches the
                    // admin; on a laptop the demo keeps its admin on loopback.
                    loaded = loader.loadString(demoConfig(), "demo.yaml", "admin: { address: { socket_address: "
                            + "{ address: \"" + adminAddress.strip().replace("\"", "") + "\" } } }");
                }
            } else {
                source = o.configPath() != null ? o.configPath().toString() : "--config-yaml";
                loaded = loader.load(o.configPath(), o.configYaml());
            }
        } catch (TranslationException e) {
            err.println("error: " + (e.path().isEmpty() ? e.reason() : e.path() + ": " + e.reason()));
            return 1;
        }
        if (ArchiveTraining.requested()) {
            try {
                ArchiveTraining.run(loaded.proto());
                return 0;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            } catch (RuntimeException | IOException e) {
                err.println("error: " + startupError(e));
                return 1;
            }
        }
        try {
            applyBootstrapLogFormat(o, loaded);
        } catch (IOException e) {
            err.println("error: cannot open --log-path " + o.logPath() + ": " + e.getMessage());
            return 1;
        }
        if (o.mode() == Options.Mode.VALIDATE) {
            try {
                // what serving refuses when it subscribes (an xDS source it cannot fetch), validation refuses too
                io.remora.xds.ads.XdsClientFactory.check(loaded.proto());
            } catch (IllegalArgumentException e) {
                err.println("error: " + e.getMessage());
                return 1;
            }
            out.println("configuration '" + source + "' OK");
            return 0;
        }
        return serve(o, loaded);
    }

    private int serve(Options o, LoadedBootstrap loaded) {
        if (o.tlsProvider() != null) {
            // read by every TLS context the data plane builds
            System.setProperty(io.remora.tls.TlsProvider.PROPERTY, o.tlsProvider());
        }
        Transport transport = Transport.detect();
        String fallback = Transport.epollFallbackReason();
        if (fallback != null) {
            LOG.warning(() -> "epoll is unavailable (" + fallback + "): running on Java NIO, which cannot recover the"
                    + " original destination of redirected connections, bind transparently (TPROXY), use Unix domain"
                    + " sockets or splice");
        }
        ServerOptions so = new ServerOptions(o.concurrency(), transport, o.drainTime(), o.parentShutdownTime(),
                o.drainStrategy());
        DemoUpstreams demo = null;
        try (Proxy proxy = new Proxy(loaded.proto(), loaded.model(), so, o.fileFlushInterval(),
                commandLineOptions(o), this::shutdown)) {
            if (o.demo()) {
                demo = DemoUpstreams.start(transport);
            }
            // Envoy's local address: what x-forwarded-for gets for a loopback peer
            proxy.server().localAddress(io.remora.server.LocalAddress.of("v6".equals(o.localAddressIpVersion())));
            proxy.start();
            if (o.mode() == Options.Mode.INIT_ONLY) {
                return 0;
            }
            installSignalHandlers();
            LOG.info(() -> "remora started: " + loaded.model().listeners().size() + " listener(s), "
                    + loaded.model().clusters().size() + " cluster(s), " + o.concurrency() + " worker(s), "
                    + transport.kind().name().toLowerCase(java.util.Locale.ROOT) + " transport");
            stop.await();
            LOG.info("shutting down: draining for up to " + o.drainTime().toSeconds() + "s");
            proxy.drainAndStop(o.drainTime());
            LOG.info("exiting");
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } catch (RuntimeException e) {
            // One line says what failed (e.g. a port in use); the trace is for -l debug.
            err.println("error: " + startupError(e));
            LOG.log(Level.FINE, "start-up failed", e);
            return 1;
        } finally {
            if (demo != null) {
                demo.close();
            }
        }
    }

    /** {@code /server_info}'s command_line_options, in Envoy's field names. */
    private static java.util.Map<String, Object> commandLineOptions(Options o) {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("config_path", o.configPath() == null ? "" : o.configPath().toString());
        m.put("config_yaml", o.configYaml() == null ? "" : o.configYaml());
        m.put("concurrency", o.concurrency());
        m.put("log_level", o.logLevel());
        m.put("service_cluster", o.serviceCluster() == null ? "" : o.serviceCluster());
        m.put("service_node", o.serviceNode() == null ? "" : o.serviceNode());
        m.put("service_zone", o.serviceZone() == null ? "" : o.serviceZone());
        m.put("drain_strategy", o.drainStrategy() == io.remora.server.DrainStrategy.IMMEDIATE ? "Immediate" : "Gradual");
        m.put("allow_unknown_static_fields", o.allowUnknownStaticFields());
        m.put("local_address_ip_version", "v6".equals(o.localAddressIpVersion()) ? "v6" : "v4");
        m.put("drain_time", o.drainTime().toSeconds() + "s");
        m.put("parent_shutdown_time", o.parentShutdownTime().toSeconds() + "s");
        m.put("file_flush_interval", o.fileFlushInterval().toMillis() / 1000.0 + "s");
        m.put("mode", o.mode().name().equals("SERVE") ? "Serve" : o.mode().name().equals("VALIDATE") ? "Validate" : "InitOnly");
        return m;
    }

    /** Asks a serving {@link #run} to drain and return, as SIGTERM does. */
    public void shutdown() {
        stop.countDown();
    }

    @SuppressWarnings("removal")
    private void installSignalHandlers() {
        try {
            sun.misc.SignalHandler h = sig -> stop.countDown();
            sun.misc.Signal.handle(new sun.misc.Signal("TERM"), h);
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), h);
        } catch (IllegalArgumentException | LinkageError e) {
            // Signals not available here: a shutdown hook still drains before the JVM exits.
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "remora-shutdown"));
        }
    }

    /** The message of a start-up failure, without exception class names. */
    static String startupError(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            Throwable c = e.getCause();
            m = c != null && c.getMessage() != null ? c.getMessage() : e.getClass().getSimpleName();
        }
        return m;
    }

    private static void configureLogging(Options o) throws IOException {
        if (ArchiveTraining.requested()) {
            // the training run's output is discarded, and it must not append to the user's --log-path
            Logging.install("off", null, null);
            return;
        }
        StringBuilder components = new StringBuilder();
        o.componentLogLevels().forEach((c, l) -> components.append(components.length() == 0 ? "" : ",")
                .append(c).append(':').append(l));
        if (o.logPath() != null) {
            // Envoy's --log-path: the whole application log goes to the file, appended.
            Logging.install(o.logLevel(), components.toString(), o.logFormat(), Logging.openLogFile(o.logPath()));
        } else {
            Logging.install(o.logLevel(), components.toString(), o.logFormat());
        }
    }

    /** Envoy takes the log format from application_log_config when --log-format is not given. */
    private static void applyBootstrapLogFormat(Options o, LoadedBootstrap loaded) throws IOException {
        var app = loaded.proto().getApplicationLogConfig();
        if (!app.hasLogFormat()) {
            return;
        }
        if (o.logFormat() != null) {
            LOG.warning("both --log-format and application_log_config.log_format are set; using --log-format");
        } else if (app.getLogFormat().hasJsonFormat()) {
            LOG.warning("application_log_config.log_format.json_format is not supported; keeping the text format");
        } else if (!app.getLogFormat().getTextFormat().isEmpty()) {
            configureLogging(new Options(o.configPath(), o.configYaml(), o.concurrency(), o.logLevel(),
                    o.componentLogLevels(), o.serviceCluster(), o.serviceNode(), o.drainTime(),
                    o.parentShutdownTime(), o.localAddressIpVersion(), app.getLogFormat().getTextFormat(),
                    o.fileFlushInterval(), o.mode(), o.demo(), o.help(), o.version(), o.warnings(), o.logPath(),
                    o.tlsProvider(), o.serviceZone(), o.drainStrategy(), o.allowUnknownStaticFields()));
        }
    }

    static String demoConfig() {
        try (InputStream in = Main.class.getResourceAsStream("/demo.yaml")) {
            if (in == null) {
                throw new TranslationException("", "the bundled demo.yaml is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TranslationException("", "cannot read the bundled demo.yaml: " + e);
        }
    }
}
