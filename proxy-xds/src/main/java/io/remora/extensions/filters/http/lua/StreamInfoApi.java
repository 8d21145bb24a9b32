package io.remora.extensions.filters.http.lua;

import io.remora.accesslog.AccessLogFormatter;
import io.remora.accesslog.StreamInfo;
import io.remora.tls.TlsConnection;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaUserdata;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static io.remora.extensions.filters.http.lua.LuaValues.fn;

/**
 * Envoy's {@code streamInfo()}, its {@code dynamicMetadata()} and the SSL connection object
 * ({@code streamInfo():downstreamSslConnection()}, {@code connection():ssl()}).
 */
final class StreamInfoApi {

    private StreamInfoApi() {
    }

    /** The metatables of the stream info, dynamic metadata and SSL objects of one VM. */
    record Tables(LuaTable streamInfo, LuaTable dynamicMetadata, LuaTable ssl, LuaTable connection) {
        static Tables create() {
            LuaTable ssl = sslTable();
            LuaTable dynamic = dynamicMetadataTable();
            return new Tables(streamInfoTable(dynamic, ssl), dynamic, ssl, connectionTable(ssl));
        }
    }

    private static LuaStream self(Varargs a) {
        LuaStream s = (LuaStream) a.checkuserdata(1, LuaStream.class);
        s.checkLive();
        return s;
    }

    private static LuaValue str(String s) {
        return s == null ? LuaValue.NIL : LuaValue.valueOf(s);
    }

    private static LuaTable streamInfoTable(LuaTable dynamic, LuaTable ssl) {
        LuaTable m = new LuaTable();
        m.set("protocol", fn(a -> str(self(a).callbacks().downstreamProtocol())));
        m.set("downstreamLocalAddress", fn(a -> str(AccessLogFormatter.address(info(a).downstreamLocalAddress, true))));
        m.set("downstreamDirectRemoteAddress",
                fn(a -> str(AccessLogFormatter.address(info(a).downstreamDirectRemoteAddress, true))));
        m.set("downstreamRemoteAddress", fn(a -> str(AccessLogFormatter.address(info(a).downstreamRemoteAddress, true))));
        m.set("requestedServerName", fn(a -> {
            String sni = info(a).requestedServerName();
            return LuaValue.valueOf(sni == null ? "" : sni);
        }));
        m.set("routeName", fn(a -> {
            var route = self(a).route();
            String name = route == null ? null : route.route().name();
            return LuaValue.valueOf(name == null ? "" : name);
        }));
        m.set("virtualClusterName", fn(a -> {
            String name = info(a).virtualClusterName();
            return LuaValue.valueOf(name == null ? "" : name);
        }));
        m.set("dynamicMetadata", fn(a -> new LuaUserdata(self(a), dynamic)));
        m.set("downstreamSslConnection", fn(a -> ssl(info(a).downstreamTls(), ssl)));
        return meta(m);
    }

    private static LuaTable connectionTable(LuaTable ssl) {
        LuaTable m = new LuaTable();
        m.set("ssl", fn(a -> ssl(self(a).callbacks().streamInfo().downstreamTls(), ssl)));
        return meta(m);
    }

    static LuaValue ssl(TlsConnection tls, LuaTable meta) {
        return tls == null ? LuaValue.NIL : new LuaUserdata(tls, meta);
    }

    private static StreamInfo info(Varargs a) {
        return self(a).callbacks().streamInfo();
    }

    private static LuaTable dynamicMetadataTable() {
        LuaTable m = new LuaTable();
        m.set("get", fn(a -> {
            Map<String, Object> ns = info(a).dynamicMetadata(a.checkjstring(2));
            return ns.isEmpty() ? LuaValue.NIL : LuaValues.toLua(ns);
        }));
        m.set("set", fn(a -> {
            StreamInfo info = info(a);
            info.setDynamicMetadata(a.checkjstring(2), a.checkjstring(3), LuaValues.fromLua(a.arg(4)));
            return LuaValue.NONE;
        }));
        LuaTable meta = meta(m);
        meta.set("__pairs", fn(a -> {
            List<LuaValue> kv = new ArrayList<>();
            for (Map.Entry<String, Map<String, Object>> e : info(a).dynamicMetadata().entrySet()) {
                kv.add(LuaValue.valueOf(e.getKey()));
                kv.add(LuaValues.toLua(e.getValue()));
            }
            return LuaValues.iterator(kv);
        }));
        return meta;
    }

    private static LuaTable sslTable() {
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
        return meta(m);
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

    private static LuaTable meta(LuaTable methods) {
        LuaTable meta = new LuaTable();
        meta.set(LuaValue.INDEX, methods);
        return meta;
    }
}
