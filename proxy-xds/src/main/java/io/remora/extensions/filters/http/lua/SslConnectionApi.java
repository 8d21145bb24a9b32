package io.remora.extensions.filters.http.lua;

import io.remora.tls.TlsConnection;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaUserdata;
import org.luaj.vm2.LuaValue;

import javax.naming.NamingException;
import javax.naming.directory.Attributes;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static io.remora.extensions.filters.http.lua.LuaValues.fn;

/**
 * Envoy's SSL connection object ({@code streamInfo():downstreamSslConnection()},
 * {@code connection():ssl()}) and the parsed name its {@code parsedSubjectPeerCertificate()} gives.
 */
final class SslConnectionApi {

    private SslConnectionApi() {
    }

    static LuaTable metatable() {
        LuaTable m = new LuaTable();
        m.set("peerCertificatePresented", tls(t -> LuaValue.valueOf(t.peerCertificate() != null)));
        m.set("peerCertificateValidated", tls(t -> LuaValue.valueOf(t.peerCertificateValidated())));
        m.set("uriSanLocalCertificate", tls(t -> list(t.localUriSans())));
        m.set("uriSanPeerCertificate", tls(t -> list(t.peerUriSans())));
        m.set("dnsSansLocalCertificate", tls(t -> list(t.localDnsSans())));
        m.set("dnsSansPeerCertificate", tls(t -> list(t.peerDnsSans())));
        m.set("sha256PeerCertificateDigest", tls(t -> text(t.peerFingerprintSha256())));
        m.set("serialNumberPeerCertificate", tls(t -> text(t.peerSerial())));
        m.set("issuerPeerCertificate", tls(t -> text(t.peerIssuer())));
        m.set("subjectPeerCertificate", tls(t -> text(t.peerSubject())));
        LuaTable parsedName = parsedNameTable();
        m.set("parsedSubjectPeerCertificate", tls(t -> t.peerCertificate() == null ? LuaValue.NIL
                : new LuaUserdata(ParsedName.of(t.peerCertificate().getSubjectX500Principal()), parsedName)));
        m.set("subjectLocalCertificate", tls(t -> text(t.localSubject())));
        m.set("validFromPeerCertificate", tls(t -> seconds(t.peerValidFrom())));
        m.set("expirationPeerCertificate", tls(t -> seconds(t.peerValidUntil())));
        m.set("oidsPeerCertificate", tls(t -> list(io.remora.tls.CertificateExtensionOids.of(t.peerCertificate()))));
        m.set("oidsLocalCertificate", tls(t -> list(io.remora.tls.CertificateExtensionOids.of(t.localCertificate()))));
        m.set("sessionId", tls(t -> text(t.sessionId())));
        // Envoy's "0x" and four lower-case hex digits.
        m.set("ciphersuiteId", tls(t -> text(String.format("0x%04x", io.remora.tls.CipherSuiteIds.of(t.cipher())))));
        m.set("ciphersuiteString", tls(t -> text(t.cipher())));
        m.set("tlsVersion", tls(t -> text(t.protocol())));
        m.set("urlEncodedPemEncodedPeerCertificate", tls(t -> text(t.peerCertificatePemUrlEncoded())));
        m.set("urlEncodedPemEncodedPeerCertificateChain", tls(t -> text(t.peerChainPemUrlEncoded())));
        LuaTable meta = new LuaTable();
        meta.set(LuaValue.INDEX, m);
        return meta;
    }

    static LuaValue wrap(TlsConnection tls, LuaTable meta) {
        return tls == null ? LuaValue.NIL : new LuaUserdata(tls, meta);
    }

    /** Envoy's ParsedX509Name: the subject's CN (the last one in the name, as BoringSSL walks it) and its O values. */
    record ParsedName(String commonName, List<String> organizationName) {
        static ParsedName of(X500Principal subject) {
            String cn = "";
            List<String> orgs = new ArrayList<>(1);
            try {
                // getRdns() walks the name in the certificate's order (the RFC 2253 text right to left).
                List<Rdn> rdns = new LdapName(subject.getName(X500Principal.RFC2253)).getRdns();
                for (Rdn rdn : rdns) {
                    Attributes attrs = rdn.toAttributes();
                    cn = value(attrs.get("CN"), cn);
                    javax.naming.directory.Attribute o = attrs.get("O");
                    if (o != null) {
                        for (int i = 0; i < o.size(); i++) {
                            orgs.add(String.valueOf(o.get(i)));
                        }
                    }
                }
            } catch (NamingException e) {
                return new ParsedName("", List.of());
            }
            return new ParsedName(cn, orgs);
        }

        private static String value(javax.naming.directory.Attribute a, String otherwise) throws NamingException {
            return a == null || a.size() == 0 ? otherwise : String.valueOf(a.get(a.size() - 1));
        }
    }

    private static LuaTable parsedNameTable() {
        LuaTable m = new LuaTable();
        m.set("commonName", fn(a -> LuaValue.valueOf(((ParsedName) a.checkuserdata(1, ParsedName.class)).commonName())));
        m.set("organizationName", fn(a -> list(((ParsedName) a.checkuserdata(1, ParsedName.class)).organizationName())));
        LuaTable meta = new LuaTable();
        meta.set(LuaValue.INDEX, m);
        return meta;
    }

    private static LuaValue tls(Function<TlsConnection, LuaValue> f) {
        return fn(a -> f.apply((TlsConnection) a.checkuserdata(1, TlsConnection.class)));
    }

    private static LuaValue text(String s) {
        return LuaValue.valueOf(s == null ? "" : s);
    }

    private static LuaValue seconds(Instant i) {
        return LuaValue.valueOf(i == null ? 0 : i.getEpochSecond());
    }

    private static LuaValue list(List<String> l) {
        LuaTable t = new LuaTable(l.size(), 0);
        for (int i = 0; i < l.size(); i++) {
            t.rawset(i + 1, LuaValue.valueOf(l.get(i)));
        }
        return t;
    }
}
