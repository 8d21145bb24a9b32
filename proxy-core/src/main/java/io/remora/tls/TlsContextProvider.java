package io.remora.tls;

import io.netty.handler.ssl.SslContext;
import io.remora.config.CertificateValidation;
import io.remora.config.SecretConfig;
import io.remora.config.SessionTicketKey;
import io.remora.config.TlsCertificate;
import io.remora.config.TransportSocketConfig;

import javax.net.ssl.SSLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The current SslContext of one transport socket (a filter chain's or a cluster's), rebuilt
 * when the secrets it names change: each new handshake uses the newest certificate and roots,
 * handshakes already made keep theirs. A context is built once per secret version and ALPN
 * list; the check per handshake is one volatile read.
 */
public final class TlsContextProvider {
    private final TransportSocketConfig config;
    private final SecretManager secrets;
    private final boolean server;
    private final TlsProvider provider;
    private final TlsStats stats;
    private final Map<List<String>, Cached> cache = new ConcurrentHashMap<>();
    /** Contexts whose verifier also insists on a SAN for the engine's peer host (auto_san_validation). */
    private final Map<List<String>, Cached> peerHostCache = new ConcurrentHashMap<>();
    /** key_log: one writer for every context of this socket, so a channel bound to it is found. */
    private final KeyLogWriter keyLog;

    /** A built context; a server's with its certificate choice. */
    record Cached(long version, TlsContextFactory.Material material, SslContext context, CertificateSelector selector) {
    }

    public TlsContextProvider(TransportSocketConfig config, SecretManager secrets, boolean server,
                              TlsProvider provider, TlsStats stats) {
        this.config = config;
        this.secrets = secrets == null ? new SecretManager() : secrets;
        this.server = server;
        this.provider = provider;
        this.stats = stats;
        this.keyLog = KeyLogWriter.of(config.options().keyLog());
        this.secrets.register(this);
        if (server) {
            // Built now, on the control thread, not by the first handshake on an event loop.
            refresh(List.of());
        }
    }

    /**
     * Rebuilds the contexts this socket has used for its current secrets (called on the control
     * thread when secrets change), so that handshakes after a rotation find them ready.
     */
    void refresh() {
        for (List<String> alpn : List.copyOf(cache.keySet())) {
            refresh(alpn);
        }
        for (List<String> alpn : List.copyOf(peerHostCache.keySet())) {
            try {
                currentCheckingPeerHost(alpn);
            } catch (SSLException e) {
                // as below
            }
        }
    }

    private void refresh(List<String> alpn) {
        try {
            current(alpn);
        } catch (SSLException e) {
            // secrets missing or unusable: the next handshake reports it
        }
    }

    /** The certificates and trust anchors this context would use now; null while a secret is missing. */
    public java.util.Map.Entry<List<TlsCertificate>, CertificateValidation> material() {
        try {
            TlsContextFactory.Material m = resolve();
            return java.util.Map.entry(m.certificates(), m.validation() == null ? CertificateValidation.NONE : m.validation());
        } catch (SSLException e) {
            return null;
        }
    }

    public TransportSocketConfig config() {
        return config;
    }

    /** Whether this is a listener's (server) context. */
    public boolean server() {
        return server;
    }

    public TlsStats stats() {
        return stats;
    }

    /** The key log of this socket's handshakes, or null. */
    KeyLogWriter keyLog() {
        return keyLog;
    }

    /** Whether every secret this socket names has arrived. */
    public boolean ready() {
        return missing() == null;
    }

    /** The first SDS secret this socket names that has not arrived, or null. */
    public String missing() {
        for (String n : config.certificateSdsNames()) {
            SecretConfig s = secrets.get(n);
            if (s == null || s.tlsCertificate() == null) {
                return n;
            }
        }
        if (config.validationSdsName() != null) {
            SecretConfig s = secrets.get(config.validationSdsName());
            if (s == null || s.validationContext() == null) {
                return config.validationSdsName();
            }
        }
        String keys = config.sessionResumption().ticketKeysSdsName();
        if (keys != null) {
            SecretConfig s = secrets.get(keys);
            if (s == null || s.sessionTicketKeys() == null) {
                return keys;
            }
        }
        return null;
    }

    /** The context for a new handshake; fails when a secret is missing or its material is bad. */
    public SslContext current(List<String> alpnFallback) throws SSLException {
        return current(alpnFallback, cache, false).context();
    }

    /** A server's context for a new handshake, with its certificate choice. */
    Cached currentServer() throws SSLException {
        return current(List.of(), cache, false);
    }

    /**
     * As {@link #current(List)}, but the peer certificate must also carry a SAN for the host the
     * engine is made for (upstream only): Envoy's SAN list from transport socket options.
     */
    public SslContext currentCheckingPeerHost(List<String> alpnFallback) throws SSLException {
        return current(alpnFallback, peerHostCache, true).context();
    }

    private Cached current(List<String> alpnFallback, Map<List<String>, Cached> cache, boolean peerHostSan)
            throws SSLException {
        List<String> key = alpnFallback == null ? List.of() : alpnFallback;
        long v = secrets.version();
        Cached c = cache.get(key);
        if (c != null && c.version == v) {
            return c;
        }
        TlsContextFactory.Material m = resolve();
        if (c != null && c.material.equals(m)) {
            Cached same = new Cached(v, m, c.context, c.selector);
            cache.put(key, same); // other secrets changed, not ours
            return same;
        }
        CertificateSelector selector = server ? TlsContextFactory.selector(config, m, provider, stats) : null;
        SslContext ctx = server ? TlsContextFactory.server(config, m, provider, stats, selector)
                : TlsContextFactory.client(config, m, key, provider, stats, peerHostSan);
        if (keyLog != null) {
            keyLog.installOn(ctx);
        }
        Cached built = new Cached(v, m, ctx, selector);
        cache.put(key, built);
        return built;
    }

    /** The certificates and validation context, SDS names replaced by the secrets' current values. */
    TlsContextFactory.Material resolve() throws SSLException {
        List<TlsCertificate> certs = new ArrayList<>(config.certificates());
        for (String n : config.certificateSdsNames()) {
            SecretConfig s = secrets.get(n);
            if (s == null || s.tlsCertificate() == null) {
                throw new SSLException("SDS secret '" + n + "' (tls_certificate) has not arrived");
            }
            certs.add(s.tlsCertificate());
        }
        CertificateValidation v = config.validation();
        if (config.validationSdsName() != null) {
            SecretConfig s = secrets.get(config.validationSdsName());
            if (s == null || s.validationContext() == null) {
                throw new SSLException("SDS secret '" + config.validationSdsName()
                        + "' (validation_context) has not arrived");
            }
            v = CertificateValidation.combine(s.validationContext(), config.validation());
        }
        List<SessionTicketKey> ticketKeys = config.sessionResumption().ticketKeys();
        String keysName = config.sessionResumption().ticketKeysSdsName();
        if (keysName != null) {
            SecretConfig s = secrets.get(keysName);
            if (s == null || s.sessionTicketKeys() == null) {
                throw new SSLException("SDS secret '" + keysName + "' (session_ticket_keys) has not arrived");
            }
            ticketKeys = s.sessionTicketKeys();
        }
        return new TlsContextFactory.Material(List.copyOf(certs), v, ticketKeys);
    }
}
