package io.remora.xds;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.remora.server.ServerOptions;
import io.remora.server.Transport;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.bootstrap.LoadedBootstrap;
import io.remora.xds.runtime.Proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The run bin/remora makes its class-data archive from, before the first serving run of a jar
 * ({@code -Dremora.cds.training=true} with the user's arguments): the user's bootstrap is read and
 * translated as {@code --mode validate} does, then a small HTTP proxy config of its own is started
 * on ephemeral loopback ports, sent one request through its listener (its route's cluster is
 * 127.0.0.1:1, where nothing listens: a 503) and one to the admin's {@code /ready}, and stopped,
 * so the archive holds this config's translation and the classes of the server, the admin and
 * the HTTP/1.1 request path. When the user's listeners or clusters come over ADS, that config also
 * opens the same kind of ADS stream to a control plane of the training's own ({@link TrainingAds}) and
 * waits until ready. The user's listeners are not bound and the user's control plane is not reached
 * (the user's config is never started). It also leaves the jar's native libraries where
 * {@code -Dremora.native.dir} says, for the launcher to put on later runs' library path.
 *
 * <p>A proxy whose listeners and clusters arrive over xDS has none of them in its bootstrap, so
 * their translators would load from the jar at every start. {@code REMORA_CDS_TRAINING_DUMP} names
 * a config dump ({@code /config_dump}'s JSON) whose listeners, clusters and route configurations
 * the training translates as LDS, CDS and RDS would (the Istio image trains on a real sidecar's).
 * An environment variable, not a property: the launcher keys the archive on the JVM's flags.
 *
 * A serving run that makes the archive itself (at its exit) keeps every class of Remora's in
 * metaspace for its whole life: ~6 MB more RSS than a run that maps the archive.
 */
final class ArchiveTraining {

    static final String PROPERTY = "remora.cds.training";
    static final String DUMP_ENV = "REMORA_CDS_TRAINING_DUMP";
    private static final Duration READY_WAIT = Duration.ofSeconds(5);

    private static final String CONFIG = """
            admin: { address: { socket_address: { address: 127.0.0.1, port_value: 0 } } }
            static_resources:
              listeners:
              - name: training
                address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                filter_chains:
                - filters:
                  - name: envoy.filters.network.http_connection_manager
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                      stat_prefix: training
                      route_config:
                        virtual_hosts:
                        - name: training
                          domains: ["*"]
                          routes:
                          - match: { prefix: "/" }
                            route: { cluster: nowhere }
                      http_filters:
                      - name: envoy.filters.http.router
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
              clusters:
              - name: nowhere
                type: STATIC
                connect_timeout: 1s
                load_assignment:
                  cluster_name: nowhere
                  endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 1 } } } }] }]
            """;

    private ArchiveTraining() {
    }

    static boolean requested() {
        return Boolean.getBoolean(PROPERTY);
    }

    /**
     * After the user's bootstrap loaded: writes the jar's native libraries where the launcher asks
     * ({@link NativeLibraries}), then starts, exercises and stops the training config.
     */
    static Outcome run(Bootstrap user) throws InterruptedException, IOException {
        String nativeDir = System.getProperty(NativeLibraries.PROPERTY);
        if (nativeDir != null) {
            NativeLibraries.extract(Path.of(nativeDir));
        }
        String dump = System.getenv(DUMP_ENV);
        if (dump != null && !dump.isBlank()) {
            TrainingDump.translate(Path.of(dump));
        }
        BootstrapLoader loader = new BootstrapLoader();
        LoadedBootstrap training = loader.loadString(CONFIG, "training.yaml");
        TrainingAds.Plan xds = user == null ? null : TrainingAds.plan(user);
        if (xds != null) {
            try {
                training = loader.load(xds.applyTo(training.proto()));
            } catch (RuntimeException e) {
                xds.server().close();
                xds = null;
            }
        }
        ServerOptions so = new ServerOptions(1, Transport.detect(), Duration.ZERO, Duration.ZERO,
                io.remora.server.DrainStrategy.IMMEDIATE);
        try (TrainingAds ads = xds == null ? null : xds.server();
             Proxy proxy = new Proxy(training.proto(), training.model(), so, Duration.ofSeconds(10), Map.of(), () -> {
             })) {
            proxy.start();
            get(proxy.server().boundAddress("training"), "/");
            long deadline = System.nanoTime() + READY_WAIT.toNanos();
            int ready;
            // over ADS the proxy is ready once its first responses are applied
            while ((ready = get(proxy.admin().boundAddress(), "/ready")) != 200 && ads != null
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            return new Outcome(ready, ads == null ? 0 : ads.responses());
        }
    }

    /** What the training saw: its admin's last {@code /ready} status (-1: none) and the ADS responses it was sent. */
    record Outcome(int ready, long adsResponses) {
    }

    /** One HTTP/1.1 GET, its response read to the end: its status, or -1 (a failure only makes the archive smaller). */
    private static int get(SocketAddress to, String path) {
        if (!(to instanceof InetSocketAddress)) {
            return -1;
        }
        try (Socket s = new Socket()) {
            s.connect(to, 2000);
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nhost: training\r\nconnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] head = s.getInputStream().readNBytes(12); // "HTTP/1.1 200"
            InputStream in = s.getInputStream();
            while (in.read(new byte[4096]) >= 0) {
                // the proxy closes after its response
            }
            String line = new String(head, StandardCharsets.US_ASCII);
            return line.length() == 12 ? Integer.parseInt(line.substring(9)) : -1;
        } catch (IOException | NumberFormatException e) {
            // the archive lacks the request path's classes; the serving run loads them from the jar
            return -1;
        }
    }
}
