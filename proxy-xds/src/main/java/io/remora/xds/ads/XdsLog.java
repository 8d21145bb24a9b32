package io.remora.xds.ads;

import com.google.protobuf.TextFormat;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Envoy's "config" log lines for xDS exchanges: responses received (debug), requests sent
 * (trace, with the request), updates accepted (debug). Built only when the level is on.
 */
final class XdsLog {

    static final Logger LOG = io.remora.log.Logging.logger("config");

    private XdsLog() {
    }

    static void received(String typeUrl, String version, String nonce, int resources) {
        if (LOG.isLoggable(Level.FINE)) {
            LOG.fine("Received gRPC message for " + typeUrl + " at version " + version + " (nonce " + nonce + ", "
                    + resources + " resource(s))");
        }
    }

    static void sending(String kind, String typeUrl, com.google.protobuf.MessageOrBuilder request) {
        if (LOG.isLoggable(Level.FINEST)) {
            LOG.finest("Sending " + kind + " for " + typeUrl + ": " + TextFormat.printer().shortDebugString(request));
        }
    }

    static void accepted(XdsResourceType type, int resources, String version) {
        if (LOG.isLoggable(Level.FINE)) {
            LOG.fine("gRPC config for " + type.typeUrl + " accepted with " + resources + " resource(s) with version "
                    + version);
        }
    }
}
