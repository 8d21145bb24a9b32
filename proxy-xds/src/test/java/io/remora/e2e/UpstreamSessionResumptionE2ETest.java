package io.remora.e2e;

import io.remora.testing.TestCerts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static io.remora.e2e.SessionTicketsE2ETest.JVM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An {@code UpstreamTlsContext}'s {@code max_session_keys} against openssl s_server, whose -www
 * page says whether each connection resumed: by default (Envoy's 1) the next connection to the
 * endpoint resumes the last session, with 0 every connection makes a new one; the resumptions
 * count in {@code cluster.<name>.ssl.session_reused}.
 */
class UpstreamSessionResumptionE2ETest {

    @TempDir
    Path dir;

    @Test
    void theNextConnectionResumesUnlessMaxSessionKeysIsZero() throws Exception {
        TestCerts.ca("upstream-ca").issue("upstream", "upstream.test").write(dir, "upstream");
        int sServerPort = ProxyProcess.freePort();
        Process sServer = new ProcessBuilder("openssl", "s_server", "-accept", "127.0.0.1:" + sServerPort,
                "-cert", dir.resolve("upstream-cert.pem").toString(), "-key", dir.resolve("upstream-key.pem").toString(),
                "-www").redirectErrorStream(true).redirectOutput(dir.resolve("s_server.log").toFile()).start();
        try {
            String tls = """
                      transport_socket:
                        name: envoy.transport_sockets.tls
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                          %s
                          common_tls_context:
                            validation_context: { trusted_ca: { filename: "%s" } }
                    """;
            String ca = dir.resolve("upstream-ca.pem").toString();
            String clusters = Bootstraps.cluster("resume", false, tls.formatted("sni: upstream.test", ca), sServerPort)
                    + "\n" + Bootstraps.cluster("no_sni", false, tls.formatted("max_session_keys: 1", ca),
                    sServerPort)
                    + "\n" + Bootstraps.cluster("none", false, tls.formatted("max_session_keys: 0", ca), sServerPort);
            int admin = ProxyProcess.freePort();
            int web = ProxyProcess.freePort();
            String yaml = Bootstraps.listeners(admin, Bootstraps.httpListener("web", "", "", """
                    - match: { prefix: /resume }
                      route: { cluster: resume, prefix_rewrite: / }
                    - match: { prefix: /no_sni }
                      route: { cluster: no_sni, prefix_rewrite: / }
                    - match: { prefix: /none }
                      route: { cluster: none, prefix_rewrite: / }
                    """), clusters, Map.of("web", web));
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin, JVM)) {
                for (String cluster : new String[]{"resume", "no_sni", "none"}) {
                    assertTrue(page(web, cluster).contains("New, TLSv1.2"), cluster);
                    String again = page(web, cluster);
                    String expected = cluster.equals("none") ? "New, TLSv1.2" : "Reused, TLSv1.2";
                    assertTrue(again.contains(expected), cluster + ": " + again);
                }
                assertEquals(1.0, reused(proxy, "resume"));
                assertEquals(1.0, reused(proxy, "no_sni"));
                assertEquals(0.0, reused(proxy, "none"));
                // Envoy's cluster.<name>.ssl.ciphers.<cipher>, its SSL_CIPHER_SUITE tag extracted, and
                // ssl.curves.<group>: both handshakes of "none" were full ones.
                String page = page(web, "none");
                String cipher = page.substring(page.indexOf("Cipher is ") + 10).split("\\s")[0];
                assertEquals(3.0, clusterStat(proxy, "envoy_cluster_ssl_ciphers{", "cipher_suite=\"" + cipher + "\"",
                        "none"), page);
                assertEquals(3.0, clusterStat(proxy, "envoy_cluster_ssl_curves_", "", "none"));
                // /stats: Envoy's dotted names, the cipher as the last segment, not a tag.
                assertEquals(3.0, proxy.stat("cluster.none.ssl.ciphers." + cipher));
                assertEquals(3.0, proxy.stat("cluster.none.ssl.handshake"));
                assertEquals(1.0, proxy.stat("cluster.resume.ssl.session_reused"));
            }
        } finally {
            sServer.destroyForcibly();
        }
    }

    /** openssl's -www status page through the proxy (s_server closes each connection after it). */
    private static String page(int web, String cluster) throws Exception {
        Curl c = Curl.run("http://127.0.0.1:" + web + "/" + cluster);
        assertEquals(200, c.status(), c.text());
        return c.text();
    }

    private static double clusterStat(ProxyProcess proxy, String start, String has, String cluster) throws Exception {
        return proxy.admin("/stats/prometheus").lines()
                .filter(l -> l.startsWith(start) && l.contains(has) && l.contains("envoy_cluster_name=\"" + cluster + "\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private static double reused(ProxyProcess proxy, String cluster) throws Exception {
        return proxy.admin("/stats/prometheus").lines()
                .filter(l -> l.startsWith("envoy_cluster_ssl_session_reused{") && l.contains("\"" + cluster + "\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
