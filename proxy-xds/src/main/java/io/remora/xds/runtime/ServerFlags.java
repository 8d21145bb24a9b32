package io.remora.xds.runtime;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.remora.admin.ServerState;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Logger;

/**
 * The bootstrap's {@code flags_path}: as Envoy does at start-up, a file named {@code drain} in that directory
 * starts the server with its health check failed (as after {@code POST /healthcheck/fail}), so a host being
 * drained stays out of rotation across a restart; {@code /healthcheck/ok} undoes it.
 */
final class ServerFlags {
    private static final Logger LOG = Logger.getLogger("remora.main");

    private ServerFlags() {
    }

    static void load(Bootstrap bootstrap, ServerState state) {
        String dir = bootstrap.getFlagsPath();
        if (dir.isEmpty()) {
            return;
        }
        LOG.info("server flags path: " + dir);
        if (Files.exists(Path.of(dir, "drain"))) {
            LOG.info("starting server in drain mode");
            state.failHealthCheck();
        }
    }
}
