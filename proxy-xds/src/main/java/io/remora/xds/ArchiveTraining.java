package io.remora.xds;

import io.remora.server.ServerOptions;
import io.remora.server.Transport;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.bootstrap.LoadedBootstrap;
import io.remora.xds.runtime.Proxy;

import java.time.Duration;
import java.util.Map;

/**
 * The run bin/remora makes its class-data archive from, before the first serving run of a jar
 * ({@code -Dremora.cds.training=true} with the user's arguments): the user's bootstrap is read and
 * translated as {@code --mode validate} does, then the bundled demo config is started with its
 * admin and listener on ephemeral loopback ports and stopped, so the archive holds the
 * translation of this config and the server, admin and HTTP connection manager classes. The
 * user's listeners are not bound and no xDS server is reached (the user's config is never
 * started); the demo's upstreams are neither started nor connected to.
 *
 * A serving run that makes the archive itself (at its exit) keeps every class of Remora's in
 * metaspace for its whole life: ~6 MB more RSS than a run that maps the archive.
 */
final class ArchiveTraining {

    static final String PROPERTY = "remora.cds.training";

    private ArchiveTraining() {
    }

    static boolean requested() {
        return Boolean.getBoolean(PROPERTY);
    }

    /** After the user's bootstrap loaded: starts and stops the demo on ephemeral ports. */
    static void run() throws InterruptedException {
        String yaml = Main.demoConfig()
                .replace("port_value: 9901", "port_value: 0")
                .replace("port_value: 10000", "port_value: 0")
                .replace("0.0.0.0", "127.0.0.1");
        LoadedBootstrap demo = new BootstrapLoader().loadString(yaml, "demo.yaml");
        ServerOptions so = new ServerOptions(1, Transport.detect(), Duration.ZERO, Duration.ZERO);
        try (Proxy proxy = new Proxy(demo.proto(), demo.model(), so, Duration.ofSeconds(10), Map.of(), () -> {
        })) {
            proxy.start();
        }
    }
}
