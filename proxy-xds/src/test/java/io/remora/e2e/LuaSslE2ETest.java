package io.remora.e2e;

import io.remora.testing.TestCerts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The Lua filter's SSL connection API ({@code streamInfo():downstreamSslConnection()}) on a real
 * mutual TLS connection from curl: every method of Envoy's SslConnectionWrapper answers what the
 * handshake and the certificates say, in Envoy's forms; a plaintext connection has none.
 */
class LuaSslE2ETest {

    static final String CLIENT_URI = "spiffe://cluster.local/ns/default/sa/lua";
    static final String SCRIPT = """
            function envoy_on_request(h)
              local ssl = h:streamInfo():downstreamSslConnection()
              if ssl == nil then
                h:respond({[":status"] = "200"}, "none")
                return
              end
              local out = {}
              local function add(k, v) out[#out + 1] = k .. "=" .. tostring(v) end
              add("presented", ssl:peerCertificatePresented())
              add("validated", ssl:peerCertificateValidated())
              add("sha256", ssl:sha256PeerCertificateDigest())
              add("serial", ssl:serialNumberPeerCertificate())
              add("subject", ssl:subjectPeerCertificate())
              local parsed = ssl:parsedSubjectPeerCertificate()
              add("cn", parsed:commonName())
              add("org", table.concat(parsed:organizationName(), ","))
              add("uri", table.concat(ssl:uriSanPeerCertificate(), ","))
              add("dns", table.concat(ssl:dnsSansPeerCertificate(), ","))
              add("localdns", table.concat(ssl:dnsSansLocalCertificate(), ","))
              add("oids", table.concat(ssl:oidsPeerCertificate(), ","))
              add("localoids", table.concat(ssl:oidsLocalCertificate(), ","))
              add("until", ssl:expirationPeerCertificate())
              add("cipherid", ssl:ciphersuiteId())
              add("cipher", ssl:ciphersuiteString())
              add("version", ssl:tlsVersion())
              h:respond({[":status"] = "200"}, table.concat(out, "\\n"))
            end
            """;

    @TempDir
    static Path dir;
    static TestCerts.Leaf client;
    static ProxyProcess proxy;
    static final int admin = ProxyProcess.freePort();
    static final int tlsPort = ProxyProcess.freePort();
    static final int plainPort = ProxyProcess.freePort();

    @BeforeAll
    static void start() throws Exception {
        TestCerts.Ca ca = TestCerts.ca("lua-ca");
        ca.issue("server", "server.lua.test", "127.0.0.1").write(dir, "server");
        client = ca.issue("lua-client", CLIENT_URI, "client.lua.test");
        client.write(dir, "client");
        String tls = RbacMtlsE2ETest.tls(dir); // mutual TLS with the server-*.pem files written above
        String lua = LuaSetup.filter("envoy.filters.http.lua", null, SCRIPT);
        String hosts = Bootstraps.catchAll("""
                - match: { prefix: "/" }
                  direct_response: { status: 200, body: { inline_string: "unreached" } }
                """);
        String listeners = Bootstraps.httpListenerWithFilters("tls", tls, "", lua, hosts) + "\n"
                + Bootstraps.httpListenerWithFilters("plain", "", "", lua, hosts);
        proxy = ProxyProcess.start(Bootstraps.listeners(admin, listeners, Bootstraps.cluster("none", false, null, 1),
                Map.of("tls", tlsPort, "plain", plainPort)), admin);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (proxy != null) {
            proxy.close();
        }
    }

    static Map<String, String> fields(Curl r) {
        assertEquals(200, r.status(), r.text());
        return LuaSetup.lines(r.text());
    }

    static Curl mtls(String... tlsArgs) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("--cacert", dir.resolve("server-ca.pem").toString(),
                "--cert", dir.resolve("client-cert.pem").toString(),
                "--key", dir.resolve("client-key.pem").toString()));
        args.addAll(List.of(tlsArgs));
        args.add("https://127.0.0.1:" + tlsPort + "/");
        return Curl.run(args.toArray(new String[0]));
    }

    @Test
    void theHandshakeAndCertificatesInEnvoysForms() throws Exception {
        Map<String, String> f = fields(mtls("--tlsv1.3"));
        assertEquals("true", f.get("presented"));
        assertEquals("true", f.get("validated"));
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(client.cert().getEncoded())),
                f.get("sha256"));
        assertEquals(client.cert().getSerialNumber().toString(16), f.get("serial"));
        assertEquals("O=remora-test,CN=lua-client", f.get("subject"), "RFC 2253: the last RDN first");
        assertEquals("lua-client", f.get("cn"), "parsedSubjectPeerCertificate():commonName()");
        assertEquals("remora-test", f.get("org"), "parsedSubjectPeerCertificate():organizationName()");
        assertEquals(CLIENT_URI, f.get("uri"));
        assertEquals("client.lua.test", f.get("dns"));
        assertEquals("server.lua.test", f.get("localdns"));
        // The certificate's own order: subjectAltName, basicConstraints, keyUsage.
        assertEquals("2.5.29.17,2.5.29.19,2.5.29.15", f.get("oids"));
        assertEquals("2.5.29.17,2.5.29.19,2.5.29.15", f.get("localoids"));
        assertEquals(String.valueOf(client.cert().getNotAfter().toInstant().getEpochSecond()), f.get("until"));
        assertEquals("TLSv1.3", f.get("version"));
        String cipher = f.get("cipher");
        String id = Map.of("TLS_AES_128_GCM_SHA256", "0x1301", "TLS_AES_256_GCM_SHA384", "0x1302",
                "TLS_CHACHA20_POLY1305_SHA256", "0x1303").get(cipher);
        assertEquals(id, f.get("cipherid"), cipher);
    }

    @Test
    void aTls12SuiteHasItsIanaCode() throws Exception {
        Map<String, String> f = fields(mtls("--tlsv1.2", "--tls-max", "1.2", "--ciphers", "ECDHE-ECDSA-AES256-GCM-SHA384"));
        assertEquals("TLSv1.2", f.get("version"));
        assertEquals("ECDHE-ECDSA-AES256-GCM-SHA384", f.get("cipher"));
        assertEquals("0xc02c", f.get("cipherid"));
    }

    @Test
    void aPlaintextConnectionHasNoSslConnection() throws Exception {
        Curl r = Curl.run("http://127.0.0.1:" + plainPort + "/");
        assertEquals("none", r.text());
    }
}
