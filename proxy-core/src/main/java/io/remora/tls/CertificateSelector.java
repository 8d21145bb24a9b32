package io.remora.tls;

import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.remora.tls.OcspStapling.Action;

import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.security.auth.x500.X500Principal;
import java.security.PublicKey;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Envoy's DefaultTlsCertificateSelector over one server context's {@code tls_certificates}: each
 * certificate is named by its DNS SANs, or by its subject CN when it has no SAN extension
 * ({@code *.example.com} standing for one label under example.com), the first certificate of a key
 * type keeping a name. A hello's SNI picks among the certificates of its name, then of its
 * wildcard: an ECDSA one whose curve the client verifies, else an RSA one. Without SNI, or when no
 * certificate names it and {@code full_scan_certs_on_sni_mismatch} is set, every certificate is
 * scanned in order the same way; otherwise, and when the scan finds none, the first certificate is
 * served. A certificate whose OCSP staple the policy refuses is passed over; if the one served is
 * refused, the handshake fails. {@code require_sni}: a hello without SNI gets no certificate.
 */
final class CertificateSelector {
    private record Cert(String alias, X509Certificate leaf, int curve) {
    }

    /** The hello and, once made, the choice for it: the key manager may be asked once per key type. */
    private static final class Handshake {
        final ClientHelloFacts hello;
        String alias;
        Action action;
        boolean chosen;

        Handshake(ClientHelloFacts hello) {
            this.hello = hello;
        }
    }

    private final List<Cert> certs;
    private final Map<String, List<Cert>> byName;
    private final boolean hasRsa;
    private final boolean fullScan;
    private final boolean requireSni;
    private final OcspStapling stapling;
    private final boolean serverTls13;
    private final Set<Integer> ecdsaCipherIds;
    private final Map<SSLEngine, Handshake> handshakes = new ConcurrentHashMap<>();

    /**
     * @param leaves the certificates in configuration order, the key manager's {@code cert0},
     *               {@code cert1}, ... ({@link TlsContextFactory#keyManagers})
     */
    CertificateSelector(List<X509Certificate> leaves, boolean fullScan, boolean requireSni,
                        OcspStapling stapling, boolean serverTls13, Set<Integer> ecdsaCipherIds) {
        List<Cert> all = new ArrayList<>(leaves.size());
        Map<String, List<Cert>> names = new LinkedHashMap<>();
        boolean rsa = false;
        for (int i = 0; i < leaves.size(); i++) {
            X509Certificate leaf = leaves.get(i);
            Cert c = new Cert("cert" + i, leaf, curve(leaf.getPublicKey()));
            all.add(c);
            rsa |= leaf.getPublicKey() instanceof RSAPublicKey;
            for (String n : serverNames(leaf)) {
                String pattern = n.startsWith("*.") ? n.substring(1) : n;
                List<Cert> same = names.computeIfAbsent(pattern, k -> new ArrayList<>(2));
                if (same.stream().noneMatch(o -> keyType(o) == keyType(c))) {
                    same.add(c); // with duplicate names, the earlier certificate of the key type wins
                }
            }
        }
        this.certs = List.copyOf(all);
        this.byName = Map.copyOf(names);
        this.hasRsa = rsa;
        this.fullScan = fullScan;
        this.requireSni = requireSni;
        this.stapling = stapling;
        this.serverTls13 = serverTls13;
        this.ecdsaCipherIds = Set.copyOf(ecdsaCipherIds);
    }

    boolean serverTls13() {
        return serverTls13;
    }

    Set<Integer> ecdsaCipherIds() {
        return ecdsaCipherIds;
    }

    /** The engine's hello, read before the TLS handler sees it. */
    void hello(SSLEngine engine, ClientHelloFacts hello) {
        handshakes.put(engine, new Handshake(hello));
    }

    /** The handshake ended. */
    void done(SSLEngine engine) {
        handshakes.remove(engine);
    }

    /**
     * The alias to serve, or null. tcnative takes any alias whatever the key type it asks; JSSE
     * checks the key against the type it asked, so it is given the choice only for that type.
     */
    String choose(String keyType, SSLEngine engine) {
        Handshake h = engine == null ? null : handshakes.get(engine);
        if (h == null) {
            h = new Handshake(fromSession(engine));
            if (engine != null) {
                handshakes.put(engine, h);
            }
        }
        if (!h.chosen) {
            h.chosen = true;
            String sni = h.hello.serverName();
            if (requireSni && (sni == null || sni.isEmpty())) {
                return null;
            }
            Cert c = find(sni, h.hello.ecdsaCurves(), h.hello.statusRequest());
            h.action = stapling.action(c.leaf, h.hello.statusRequest());
            stapling.apply(engine, c.leaf, h.action);
            h.alias = h.action == Action.FAIL ? null : c.alias;
        }
        if (h.alias == null || engine instanceof ReferenceCountedOpenSslEngine) {
            return h.alias;
        }
        return keyType.equals(certs.get(Integer.parseInt(h.alias.substring(4))).leaf.getPublicKey().getAlgorithm())
                ? h.alias : null;
    }

    /** Envoy's findTlsContext. */
    private Cert find(String sni, int clientCurves, boolean ocspCapable) {
        Pick pick = new Pick(clientCurves, ocspCapable);
        if (sni != null && !sni.isEmpty()) {
            pick.among(byName.get(sni));
            pick.settle();
            if (pick.selected == null) {
                int dot = sni.indexOf('.', 1);
                if (dot > 0 && dot < sni.length() - 1) {
                    pick.among(byName.get(sni.substring(dot)));
                }
            }
            pick.settle();
            if (pick.selected == null && !fullScan) {
                return certs.get(0);
            }
        }
        if (pick.selected == null) {
            pick.candidate = null;
            if (clientCurves != 0 || hasRsa) {
                pick.among(certs);
            }
            pick.settle();
        }
        return pick.selected == null ? certs.get(0) : pick.selected;
    }

    /** Envoy's "selected" lambda: ECDSA on a curve the client takes, else RSA (a candidate for ECDSA clients). */
    private final class Pick {
        final int clientCurves;
        final boolean ocspCapable;
        Cert selected;
        Cert candidate;

        Pick(int clientCurves, boolean ocspCapable) {
            this.clientCurves = clientCurves;
            this.ocspCapable = ocspCapable;
        }

        void among(Collection<Cert> cs) {
            if (cs == null) {
                return;
            }
            for (Cert c : cs) {
                if (stapling.action(c.leaf, ocspCapable) == Action.FAIL) {
                    continue;
                }
                if ((clientCurves & c.curve) != 0 || (clientCurves == 0 && c.curve == 0)) {
                    selected = c;
                    return;
                }
                if (clientCurves != 0 && c.curve == 0 && candidate == null) {
                    candidate = c;
                }
            }
        }

        void settle() {
            if (selected == null) {
                selected = candidate;
            }
        }
    }

    /** A hello the peek did not see (it always does before the TLS handler): its SNI from the session. */
    private static ClientHelloFacts fromSession(SSLEngine engine) {
        SSLSession s = engine == null ? null : engine.getHandshakeSession();
        String sni = null;
        try {
            if (s instanceof ExtendedSSLSession e) {
                for (SNIServerName n : e.getRequestedServerNames()) {
                    if (n instanceof SNIHostName h) {
                        sni = h.getAsciiName();
                    }
                }
            }
        } catch (UnsupportedOperationException e) {
            // no server names to read
        }
        return new ClientHelloFacts(sni, false, ClientHelloFacts.UNKNOWN.ecdsaCurves());
    }

    private static int keyType(Cert c) {
        return c.curve == 0 ? 0 : 1;
    }

    /** The ECDSA curve of the key as a {@link ClientHelloFacts} flag; 0 for RSA and others. */
    private static int curve(PublicKey k) {
        if (!(k instanceof ECPublicKey ec)) {
            return 0;
        }
        return switch (ec.getParams().getCurve().getField().getFieldSize()) {
            case 256 -> ClientHelloFacts.P256;
            case 384 -> ClientHelloFacts.P384;
            case 521 -> ClientHelloFacts.P521;
            default -> 0;
        };
    }

    /** The DNS SANs; without a SAN extension, the subject's first CN (RFC 6125 6.4.4, as Envoy). */
    static List<String> serverNames(X509Certificate leaf) {
        List<String> out = new ArrayList<>();
        try {
            Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (Integer.valueOf(2).equals(san.get(0)) && san.get(1) instanceof String dns) {
                        out.add(dns);
                    }
                }
                return out;
            }
        } catch (CertificateParsingException e) {
            return out;
        }
        String cn = commonName(leaf.getSubjectX500Principal());
        if (cn != null && !cn.isEmpty()) {
            out.add(cn);
        }
        return out;
    }

    private static String commonName(X500Principal subject) {
        try {
            javax.naming.ldap.LdapName dn = new javax.naming.ldap.LdapName(subject.getName(X500Principal.RFC2253));
            for (javax.naming.ldap.Rdn rdn : dn.getRdns()) { // in the DER's order: BoringSSL's first CN
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return String.valueOf(rdn.getValue());
                }
            }
        } catch (javax.naming.InvalidNameException e) {
            return null;
        }
        return null;
    }
}
