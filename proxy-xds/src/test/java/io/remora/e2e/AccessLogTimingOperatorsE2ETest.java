package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Envoy's upstream, address, time and duration operators through a running proxy: curl through a
 * route to a slow upstream and to no route, and the values the text access log prints are the
 * ones that request had (its upstream's host name and protocol, the listener's socket, durations
 * that add up).
 */
class AccessLogTimingOperatorsE2ETest {

    private static final String FORMAT = "flags=%RESPONSE_FLAGS_LONG% uproto=%UPSTREAM_PROTOCOL% "
            + "uraddr=%UPSTREAM_REMOTE_ADDRESS_WITHOUT_PORT% urport=%UPSTREAM_REMOTE_PORT% uhn=%UPSTREAM_HOST_NAME% "
            + "uhnwp=%UPSTREAM_HOST_NAME_WITHOUT_PORT% dla=%DOWNSTREAM_DIRECT_LOCAL_ADDRESS% "
            + "dlawp=%DOWNSTREAM_DIRECT_LOCAL_ADDRESS_WITHOUT_PORT% dlp=%DOWNSTREAM_DIRECT_LOCAL_PORT% "
            + "local=%START_TIME_LOCAL% emit=%EMIT_TIME(%s)% start=%START_TIME(%s)% rq=%REQUEST_DURATION% "
            + "rqtx=%REQUEST_TX_DURATION% resp=%RESPONSE_DURATION% resptx=%RESPONSE_TX_DURATION% "
            + "hs=%DOWNSTREAM_HANDSHAKE_DURATION% pool=%UPSTREAM_CONNECTION_POOL_READY_DURATION% "
            + "rtt=%ROUNDTRIP_DURATION% total=%COMMON_DURATION(DS_RX_BEG:DS_TX_END:us)% "
            + "uptx=%COMMON_DURATION(US_TX_BEG:US_RX_END)% dur=%DURATION%";

    private static String bootstrap(int admin, int http, int upstream, Path log) {
        String cluster = """
                - name: up
                  type: STATIC
                  connect_timeout: 1s
                  load_assignment:
                    cluster_name: up
                    endpoints:
                    - lb_endpoints:
                      - endpoint:
                          address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                          hostname: backend.test
                """.formatted(upstream);
        return Bootstraps.logFormat(Bootstraps.http(admin, http, log.toString(),
                "- match: { prefix: \"/slow\" }\n  route: { cluster: up }", cluster), log, FORMAT);
    }

    private static String field(String line, String name) {
        Matcher m = Pattern.compile("(?:^| )" + name + "=(\\S+)").matcher(line);
        assertTrue(m.find(), name + " in " + line);
        return m.group(1);
    }

    private static long number(String line, String name) {
        String v = field(line, name);
        assertTrue(v.matches("\\d+"), name + "=" + v + " in " + line);
        return Long.parseLong(v);
    }

    @Test
    void upstreamAddressTimeAndDurationOperatorsPrintWhatTheRequestDid() throws Exception {
        try (TestUpstream up = TestUpstream.start((ctx, req, n) -> ctx.executor().schedule(
                () -> TestUpstream.send(ctx, req, 200, "slow"), 150, TimeUnit.MILLISECONDS))) {
            int admin = ProxyProcess.freePort();
            int http = ProxyProcess.freePort();
            Path log = TempPaths.file("timing-access", ".log");
            try (ProxyProcess proxy = ProxyProcess.start(bootstrap(admin, http, up.port(), log), admin)) {
                long before = System.currentTimeMillis() / 1000;
                assertEquals(200, Curl.get(http, "/slow").status());
                assertEquals(404, Curl.get(http, "/none").status());
                List<String> lines = LogFiles.await(log, 2);
                String ok = lines.get(0);
                assertEquals("-", field(ok, "flags"), ok);
                assertEquals("HTTP/1.1", field(ok, "uproto"), ok);
                assertEquals("127.0.0.1", field(ok, "uraddr"), ok);
                assertEquals(up.port(), number(ok, "urport"), ok);
                assertEquals("backend.test", field(ok, "uhn"), ok);
                assertEquals("backend.test", field(ok, "uhnwp"), ok);
                assertEquals("127.0.0.1:" + http, field(ok, "dla"), ok);
                assertEquals("127.0.0.1", field(ok, "dlawp"), ok);
                assertEquals(http, number(ok, "dlp"), ok);
                assertTrue(field(ok, "local").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}[+-]\\d{4}"), ok);
                long start = number(ok, "start");
                assertTrue(start >= before && number(ok, "emit") >= start, ok);
                // A GET ends with its headers; the upstream answers 150 ms later; then the body goes out.
                long rq = number(ok, "rq");
                long rqtx = number(ok, "rqtx");
                long resp = number(ok, "resp");
                long dur = number(ok, "dur");
                assertTrue(rq <= rqtx && rqtx <= resp, ok);
                assertTrue(resp >= 150 && resp <= dur, ok);
                assertTrue(number(ok, "resptx") <= dur - resp + 1, ok);
                assertTrue(number(ok, "pool") <= resp, ok);
                assertTrue(number(ok, "uptx") >= 145, ok);
                long totalMicros = number(ok, "total");
                assertTrue(totalMicros / 1000 >= resp && totalMicros / 1000 <= dur + 1, ok);
                assertEquals("-", field(ok, "hs"), "no handshake on an HTTP stream's info, as Envoy: " + ok);
                assertEquals("-", field(ok, "rtt"), "HTTP/3 only in Envoy: " + ok);

                String none = lines.get(1);
                assertEquals("NoRouteFound", field(none, "flags"), none);
                for (String f : List.of("uproto", "uraddr", "urport", "uhn", "rqtx", "resp", "resptx", "pool", "uptx")) {
                    assertEquals("-", field(none, f), f + " without an upstream: " + none);
                }
                assertTrue(number(none, "total") / 1000 <= number(none, "dur") + 1, none);
            }
        }
    }
}
