package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Envoy 1.38's attempted-hosts operators through a running proxy: one endpoint answers 503, the
 * other 200, and a retry policy that avoids the previous host sends a request that met the 503
 * to the other. Its access log line lists both hosts (addresses and endpoint host names) and both
 * upstream connections in order; a request that met the 200 first lists one of each.
 */
class AccessLogAttemptedHostsE2ETest {

    private static final String FORMAT = "%REQ(:PATH)% %RESPONSE_CODE% hosts=%UPSTREAM_HOSTS_ATTEMPTED% "
            + "bare=%UPSTREAM_HOSTS_ATTEMPTED_WITHOUT_PORT% names=%UPSTREAM_HOST_NAMES_ATTEMPTED% "
            + "namesnp=%UPSTREAM_HOST_NAMES_ATTEMPTED_WITHOUT_PORT% ids=%UPSTREAM_CONNECTION_IDS_ATTEMPTED% "
            + "last=%UPSTREAM_CONNECTION_ID%";

    @Test
    void aRetriedRequestListsEveryHostAndConnectionItTried() throws Exception {
        try (TestUpstream bad = TestUpstream.start((ctx, req, n) -> TestUpstream.send(ctx, req, 503, "no"));
             TestUpstream good = TestUpstream.text("yes")) {
            int admin = ProxyProcess.freePort();
            int http = ProxyProcess.freePort();
            Path log = TempPaths.file("attempted", ".log");
            String cluster = Bootstraps.namedCluster("up", bad.port(), "bad.test:" + bad.port(), good.port(), "good.test");
            String route = """
                    - match: { prefix: "/" }
                      route:
                        cluster: up
                        retry_policy:
                          retry_on: 5xx
                          num_retries: 3
                          retry_host_predicate:
                          - name: envoy.retry_host_predicates.previous_hosts
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate
                          host_selection_retry_max_attempts: 5
                          retry_back_off: { base_interval: 0.005s, max_interval: 0.01s }""";
            String yaml = Bootstraps.logFormat(Bootstraps.http(admin, http, log.toString(), route, cluster), log, FORMAT);
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                for (int k = 0; k < 4; k++) {
                    assertEquals(200, Curl.get(http, "/r" + k).status());
                }
                List<String> lines = LogFiles.await(log, 4);
                String b = "127.0.0.1:" + bad.port();
                String g = "127.0.0.1:" + good.port();
                int retried = 0;
                for (String line : lines) {
                    String[] f = line.split(" ");
                    assertEquals("200", f[1], line);
                    String last = f[7].substring("last=".length());
                    if (f[2].equals("hosts=" + g)) {
                        assertEquals(List.of("bare=127.0.0.1", "names=good.test", "namesnp=good.test", "ids=" + last),
                                List.of(f[3], f[4], f[5], f[6]), line);
                    } else {
                        retried++;
                        assertEquals("hosts=" + b + "," + g, f[2], line);
                        assertEquals("bare=127.0.0.1,127.0.0.1", f[3], line);
                        assertEquals("names=bad.test:" + bad.port() + ",good.test", f[4], line);
                        assertEquals("namesnp=bad.test,good.test", f[5], line);
                        String[] ids = f[6].substring("ids=".length()).split(",");
                        assertEquals(2, ids.length, line);
                        assertEquals(last, ids[1], "the last connection is the answer's: " + line);
                        assertTrue(!ids[0].equals(ids[1]), "two hosts, two connections: " + line);
                    }
                }
                assertTrue(retried >= 1, "round robin sends some request to the 503 first: " + lines);
            }
        }
    }
}
