package io.remora.xds;

import io.remora.server.Transport;

/**
 * Start-up work that does not depend on the configuration, done on a second thread while the main
 * thread sets up logging and reads and parses the bootstrap text: building protobuf's file
 * descriptors for the bootstrap and the HTTP connection manager (their generated classes parse
 * every imported file's descriptor, twice, for the custom options: a third of the main thread's
 * start-up CPU, needed as soon as the parsed YAML becomes a proto) and loading the epoll native
 * library. On a sidecar with two cores that overlaps instead of adding up; pinned to one core it
 * is the same work in another thread.
 *
 * Nothing waits for it: class initialisation is the only hand-over (the main thread blocks on a
 * class this thread is initialising, then uses it). The generated classes' initialisers only
 * reach other descriptor-holder classes and extension classes, never the message classes the
 * main thread starts from, so the two cannot wait on each other. A failure here is left for the
 * main thread to meet and report where it needs the class.
 */
final class StartupWarmup {

    private StartupWarmup() {
    }

    /** Starts the warm-up; {@code serving}: the transport will be needed too. */
    static void start(boolean serving) {
        Thread t = new Thread(() -> run(serving), "remora-warmup");
        t.setDaemon(true);
        t.start();
    }

    private static void run(boolean serving) {
        try {
            io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap.getDescriptor();
            io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                    .getDescriptor();
            io.envoyproxy.envoy.extensions.filters.http.router.v3.Router.getDescriptor();
            if (serving) {
                Transport.detect();
            }
        } catch (RuntimeException | LinkageError e) {
            // the main thread meets the same failure where it needs the class
        }
    }
}
