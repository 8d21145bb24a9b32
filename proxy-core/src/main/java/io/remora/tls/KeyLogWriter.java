package io.remora.tls;

import io.netty.channel.Channel;
import io.netty.handler.ssl.ReferenceCountedOpenSslContext;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.internal.tcnative.KeyLogCallback;
import io.netty.internal.tcnative.SSLContext;
import io.remora.config.TlsOptions;
import io.remora.matching.CompiledCidr;
import io.remora.upstream.EventLogFile;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Envoy's {@code key_log}: BoringSSL hands each secret of a handshake as an NSS key log line
 * ({@code CLIENT_RANDOM ...}, TLS 1.3's {@code CLIENT_HANDSHAKE_TRAFFIC_SECRET ...}), appended to
 * the file when the connection's local and remote addresses fall in the configured ranges. The
 * callback only names the SSL object, so an engine is bound to its channel when both are known;
 * without ranges no binding is needed.
 */
final class KeyLogWriter implements KeyLogCallback {
    private final EventLogFile file;
    private final List<CompiledCidr> local;
    private final List<CompiledCidr> remote;
    /** SSL pointer → channel, for the address check; only kept with ranges. */
    private final Map<Long, Channel> channels = new ConcurrentHashMap<>();

    private KeyLogWriter(TlsOptions.KeyLog config) {
        this.file = EventLogFile.of(config.path());
        this.local = CompiledCidr.of(config.localRanges());
        this.remote = CompiledCidr.of(config.remoteRanges());
    }

    /** The writer of a transport socket's key log, or null when it has none. */
    static KeyLogWriter of(TlsOptions.KeyLog config) {
        return config == null ? null : new KeyLogWriter(config);
    }

    /** Sends the secrets of every handshake of a (BoringSSL) context here. */
    void installOn(SslContext ctx) {
        if (ctx instanceof ReferenceCountedOpenSslContext o) {
            SSLContext.setKeyLogCallback(TcnContexts.handle(o), this);
        }
    }

    /** Binds a handler's engine to the channel it serves, until the channel closes. */
    void bind(SslHandler h, Channel ch) {
        if ((local.isEmpty() && remote.isEmpty()) || !(h.engine() instanceof ReferenceCountedOpenSslEngine e)) {
            return;
        }
        long ssl = e.sslPointer();
        channels.put(ssl, ch);
        ch.closeFuture().addListener(f -> channels.remove(ssl, ch));
    }

    @Override
    public void handle(long ssl, byte[] line) {
        if (!local.isEmpty() || !remote.isEmpty()) {
            Channel ch = channels.get(ssl);
            if (ch == null || !in(local, ch.localAddress()) || !in(remote, ch.remoteAddress())) {
                return;
            }
        }
        file.write(new String(line, StandardCharsets.US_ASCII));
    }

    private static boolean in(List<CompiledCidr> ranges, java.net.SocketAddress a) {
        if (ranges.isEmpty()) {
            return true;
        }
        for (CompiledCidr c : ranges) {
            if (c.contains(a)) {
                return true;
            }
        }
        return false;
    }
}
