package io.remora.tls;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;

/**
 * What one TLS connection established: version, cipher, the peer's and our certificates and
 * the identities in them (URI SANs carry SPIFFE IDs). Filled in once, on the connection's event
 * loop, when the handshake completes; {@link #failureReason()} when it failed instead. Filters
 * and access logs read it through the connection info.
 */
public final class TlsConnection {
    /** On an upstream channel: the TLS it established (set by the connector after the handshake). */
    public static final io.netty.util.AttributeKey<TlsConnection> UPSTREAM =
            io.netty.util.AttributeKey.valueOf("remora.upstream.tls");

    private boolean established;
    private String protocol;
    private String cipher;
    private byte[] sessionIdBytes;
    private String sessionId;
    private String serverName;
    private X509Certificate peer;
    private List<X509Certificate> peerChain = List.of();
    private X509Certificate local;
    // What the certificates say is read from them on first use and kept for the connection's
    // life: a handshake nobody asks about parses no certificate (the session's certificates are
    // lazy), and a keep-alive connection answers its requests' RBAC, XFCC and access-log
    // questions from here instead of re-reading the certificate per request. Written and read on
    // the connection's event loop; each value is immutable, so a racing reader at worst computes
    // it again.
    private List<String> peerUriSans;
    private List<String> peerDnsSans;
    private List<String> localUriSans;
    private List<String> localDnsSans;
    private String peerSubject;
    private String peerIssuer;
    private String localSubject;
    private String peerFingerprint;
    /** The last x-forwarded-client-cert element built for this connection, and the policy it was built for. */
    private io.remora.config.ClientCertForwarding xfccPolicy;
    private String xfccElement;
    private String failureReason;
    private boolean peerValidated;
    /** When a downstream handshake completed (System.nanoTime), for %DOWNSTREAM_HANDSHAKE_DURATION%. */
    private long handshakeCompleteNanos = Long.MIN_VALUE;
    /** The handshake session value the peer verifier leaves when the peer's chain passed its CAs. */
    static final String PEER_VALIDATED = "remora.peer_validated";
    /** GeneralName's iPAddress tag. */
    private static final int IP_SAN = 7;

    void established(SSLSession s, String sni) {
        established = true;
        peerValidated = s.getValue(PEER_VALIDATED) != null;
        protocol = s.getProtocol();
        cipher = CipherNames.openSsl(s.getCipherSuite());
        byte[] id = s.getId();
        sessionIdBytes = id == null || id.length == 0 ? null : id;
        serverName = sni != null ? sni : requestedServerName(s);
        try {
            Certificate[] chain = s.getPeerCertificates();
            if (chain.length > 0 && chain[0] instanceof X509Certificate x) {
                peer = x;
            }
            List<X509Certificate> all = new ArrayList<>(chain.length);
            for (Certificate c : chain) {
                if (c instanceof X509Certificate x) {
                    all.add(x);
                }
            }
            peerChain = List.copyOf(all);
        } catch (SSLPeerUnverifiedException e) {
            peer = null;
        }
        Certificate[] mine = s.getLocalCertificates();
        if (mine != null && mine.length > 0 && mine[0] instanceof X509Certificate x) {
            local = x;
        }
    }

    /** The state of a completed handshake. */
    public static TlsConnection of(io.netty.handler.ssl.SslHandler h) {
        return of(h.engine().getSession());
    }

    /** The state of a handshake that completed with this session. */
    public static TlsConnection of(SSLSession s) {
        TlsConnection t = new TlsConnection();
        t.established(s, null);
        return t;
    }

    void failed(String reason) {
        failureReason = reason;
    }

    private static List<String> sans(X509Certificate c, int type) {
        if (c == null) {
            return List.of();
        }
        try {
            Collection<List<?>> all = c.getSubjectAlternativeNames();
            if (all == null) {
                return List.of();
            }
            List<String> out = new ArrayList<>(1);
            for (List<?> san : all) {
                if (!Integer.valueOf(type).equals(san.get(0))) {
                    continue;
                }
                if (san.get(1) instanceof byte[] der) {
                    out.add(OtherNames.text(der));
                } else if (san.get(1) instanceof String v) {
                    out.add(type == IP_SAN ? ipText(v) : v);
                }
            }
            return List.copyOf(out);
        } catch (CertificateParsingException | RuntimeException e) {
            return List.of(); // see name(): parsed on first use
        }
    }

    /** As Envoy prints an IP SAN (inet_ntop: RFC 5952's ::1), where the JDK writes every group. */
    private static String ipText(String v) {
        byte[] raw = io.netty.util.NetUtil.createByteArrayFromIpAddressString(v);
        if (raw == null) {
            return v;
        }
        try {
            return io.netty.util.NetUtil.toAddressString(java.net.InetAddress.getByAddress(raw));
        } catch (java.net.UnknownHostException e) {
            return v;
        }
    }

    /** The SNI the peer sent in its hello (a chain with TLS but no tls_inspector), or null. */
    private static String requestedServerName(SSLSession s) {
        if (s instanceof javax.net.ssl.ExtendedSSLSession ex) {
            try {
                for (javax.net.ssl.SNIServerName n : ex.getRequestedServerNames()) {
                    if (n instanceof javax.net.ssl.SNIHostName h) {
                        return h.getAsciiName();
                    }
                }
            } catch (UnsupportedOperationException e) {
                return null;
            }
        }
        return null;
    }

    /** True once the handshake completed. */
    public boolean established() {
        return established;
    }

    /** A downstream handshake completed at {@code nanos}: Envoy's downstreamHandshakeComplete. */
    void handshakeComplete(long nanos) {
        handshakeCompleteNanos = nanos;
    }

    /** When the downstream handshake completed (System.nanoTime), Long.MIN_VALUE when not recorded. */
    public long handshakeCompleteNanos() {
        return handshakeCompleteNanos;
    }

    /** "TLSv1.3", as Envoy's %DOWNSTREAM_TLS_VERSION%. */
    public String protocol() {
        return protocol;
    }

    /** OpenSSL name of the cipher, as Envoy's %DOWNSTREAM_TLS_CIPHER%. */
    public String cipher() {
        return cipher;
    }

    public String sessionId() {
        String v = sessionId;
        return v != null || sessionIdBytes == null ? v : (sessionId = HexFormat.of().formatHex(sessionIdBytes));
    }

    public String serverName() {
        return serverName;
    }

    /** The peer's leaf certificate, or null when it sent none. */
    /**
     * Envoy's peerCertificateValidated: the peer's certificate was checked against trusted CAs
     * and passed (not so without a validation context, nor with ACCEPT_UNTRUSTED).
     */
    public boolean peerCertificateValidated() {
        return peerValidated && peer != null;
    }

    public X509Certificate peerCertificate() {
        return peer;
    }

    public X509Certificate localCertificate() {
        return local;
    }

    public List<String> peerUriSans() {
        List<String> v = peerUriSans;
        return v != null ? v : (peerUriSans = sans(peer, 6));
    }

    public List<String> peerDnsSans() {
        List<String> v = peerDnsSans;
        return v != null ? v : (peerDnsSans = sans(peer, 2));
    }

    public List<String> localUriSans() {
        List<String> v = localUriSans;
        return v != null ? v : (localUriSans = sans(local, 6));
    }

    // The IP, email and otherName SANs only access logs ask for: read from the certificate on each
    // call, rather than a cached field more in every connection's TLS state.

    /** The peer's IP SANs (RFC 5952 text), {@code %DOWNSTREAM_PEER_IP_SAN%}. */
    public List<String> peerIpSans() {
        return sans(peer, IP_SAN);
    }

    public List<String> localIpSans() {
        return sans(local, IP_SAN);
    }

    /** The peer's rfc822Name (email) SANs. */
    public List<String> peerEmailSans() {
        return sans(peer, 1);
    }

    public List<String> localEmailSans() {
        return sans(local, 1);
    }

    /** The peer's otherName SANs, each its value's text as Envoy's ({@link OtherNames}). */
    public List<String> peerOthernameSans() {
        return sans(peer, 0);
    }

    public List<String> localOthernameSans() {
        return sans(local, 0);
    }

    public List<String> localDnsSans() {
        List<String> v = localDnsSans;
        return v != null ? v : (localDnsSans = sans(local, 2));
    }

    /** The peer's subject as Envoy prints it (RFC 2253), or null. */
    public String peerSubject() {
        String v = peerSubject;
        return v != null || peer == null ? v : (peerSubject = name(peer, true));
    }

    public String peerIssuer() {
        String v = peerIssuer;
        return v != null || peer == null ? v : (peerIssuer = name(peer, false));
    }

    public String localSubject() {
        String v = localSubject;
        return v != null || local == null ? v : (localSubject = name(local, true));
    }

    /**
     * Subject or issuer in RFC 2253 form as BoringSSL prints it ({@link X509NameText}). The
     * session's certificates are parsed on first use, so a certificate the TLS library took but
     * Java cannot parse shows here: it reads as no name rather than failing the request that asked.
     */
    private static String name(X509Certificate c, boolean subject) {
        try {
            return X509NameText.of((subject ? c.getSubjectX500Principal() : c.getIssuerX500Principal()).getEncoded());
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The peer certificate's serial in lower-case hex, as Envoy prints it. */
    public String peerSerial() {
        return peer == null ? null : peer.getSerialNumber().toString(16);
    }

    public Instant peerValidFrom() {
        return peer == null ? null : peer.getNotBefore().toInstant();
    }

    public Instant peerValidUntil() {
        return peer == null ? null : peer.getNotAfter().toInstant();
    }

    /** SHA-256 of the peer's DER certificate, lower-case hex (XFCC's Hash, %..._FINGERPRINT_256%). */
    public String peerFingerprintSha256() {
        String v = peerFingerprint;
        if (v != null || peer == null) {
            return v;
        }
        try {
            return peerFingerprint = HexFormat.of().formatHex(
                    java.security.MessageDigest.getInstance("SHA-256").digest(peer.getEncoded()));
        } catch (CertificateEncodingException | java.security.NoSuchAlgorithmException e) {
            return null;
        }
    }

    /**
     * This connection's x-forwarded-client-cert element under {@code policy}, built the first
     * time and kept while the policy stays the same: it depends only on the connection's
     * certificates and the policy, so a keep-alive connection builds it once.
     */
    String xfccElement(io.remora.config.ClientCertForwarding policy) {
        if (xfccElement != null && (xfccPolicy == policy || policy.equals(xfccPolicy))) {
            return xfccElement;
        }
        String v = ForwardedClientCert.details(policy, this);
        xfccPolicy = policy;
        xfccElement = v;
        return v;
    }

    /** The peer's leaf as URL-encoded PEM, as Envoy's %DOWNSTREAM_PEER_CERT% and XFCC's Cert. */
    public String peerCertificatePemUrlEncoded() {
        return peer == null ? null : urlEncodedPem(List.of(peer));
    }

    /** The certificates the peer sent, its own first; empty without one. */
    public List<X509Certificate> peerChain() {
        return peerChain;
    }

    /** The peer's whole chain as URL-encoded PEM (XFCC's Chain, Lua's urlEncodedPemEncodedPeerCertificateChain). */
    public String peerChainPemUrlEncoded() {
        return peerChain.isEmpty() ? null : urlEncodedPem(peerChain);
    }

    private static String urlEncodedPem(List<X509Certificate> certs) {
        String pem;
        try {
            pem = Pem.encode(certs);
        } catch (CertificateEncodingException e) {
            return null;
        }
        return java.net.URLEncoder.encode(pem, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Why the handshake failed, as Envoy's %DOWNSTREAM_TRANSPORT_FAILURE_REASON%; null otherwise. */
    public String failureReason() {
        return failureReason;
    }
}
