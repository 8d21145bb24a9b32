package io.remora.listener;

import io.netty.channel.Channel;
import io.remora.network.ConnectionMetadata;
import io.remora.stats.TlsInspectorStats;

/**
 * What Envoy's tls_inspector records once it has decided: its {@code tls_inspector.*} stats and,
 * when it found no ClientHello or one too large, the connection's dynamic metadata
 * {@code envoy.filters.listener.tls_inspector: {failure_reason: ...}}.
 */
final class TlsInspection {
    static final String METADATA_NAMESPACE = "envoy.filters.listener.tls_inspector";
    static final String FAILURE_REASON = "failure_reason";
    /**
     * BoringSSL reads a record's 5-byte header before it can refuse what is not TLS, so that is
     * what Envoy's bytes_processed holds for a plaintext connection.
     */
    private static final int RECORD_HEADER = 5;

    private TlsInspection() {
    }

    /** @param buffered the bytes the inspector had to look at */
    static void count(TlsInspectorStats stats, Channel ch, TlsInspector.Result r, int buffered) {
        switch (r.status()) {
            case TLS -> {
                stats.tlsFound.increment();
                (r.alpn().isEmpty() ? stats.alpnNotFound : stats.alpnFound).increment();
                (r.serverName() == null || r.serverName().isEmpty() ? stats.sniNotFound : stats.sniFound).increment();
                stats.bytesProcessed.record(r.helloBytes());
            }
            case WRONG_VERSION -> stats.bytesProcessed.record(r.helloBytes());
            case NOT_TLS -> {
                stats.tlsNotFound.increment();
                stats.bytesProcessed.record(Math.min(buffered, RECORD_HEADER));
                ConnectionMetadata.put(ch, METADATA_NAMESPACE, FAILURE_REASON, "ClientHelloNotDetected");
            }
            case TOO_LARGE -> {
                stats.clientHelloTooLarge.increment();
                stats.bytesProcessed.record(Math.min(buffered, TlsInspector.MAX_CLIENT_HELLO));
                ConnectionMetadata.put(ch, METADATA_NAMESPACE, FAILURE_REASON, "ClientHelloTooLarge");
            }
            case NEED_MORE -> {
            }
        }
    }
}
