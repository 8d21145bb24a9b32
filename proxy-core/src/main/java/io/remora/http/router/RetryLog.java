package io.remora.http.router;

import io.remora.http.filter.DecoderFilterCallbacks;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Envoy's router debug lines for retries and timeouts ("performing retry", "upstream per try
 * timeout", "upstream timeout", "upstream reset: reset reason: ..."), under the "router"
 * component. Callers check {@link #enabled()} first so the hot path builds no strings.
 */
final class RetryLog {

    private static final Logger LOG = io.remora.log.Logging.logger("router");

    private RetryLog() {
    }

    static boolean enabled() {
        return LOG.isLoggable(Level.FINE);
    }

    /**
     * One line, tagged with the stream's connection and stream ids (Envoy's ENVOY_STREAM_LOG) and
     * naming the request (method, path) and the cluster.
     */
    static void log(DecoderFilterCallbacks cb, String message) {
        String request = cb != null && cb.streamInfo() != null ? cb.streamInfo().logTags() : "";
        if (cb != null && cb.requestHeaders() != null) {
            request += "[" + cb.requestHeaders().method() + " " + cb.requestHeaders().path() + " -> '"
                    + cb.clusterName() + "'] ";
        }
        LOG.fine(request + message);
    }
}
