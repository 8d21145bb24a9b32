package io.remora.upstream.orca;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Envoy's ORCA header forms (TEXT, JSON, BIN, the -bin header) and the weight formula on them. */
class OrcaHeadersTest {
    private static final List<String> NONE = List.of();

    private static OrcaLoadReport parse(String header, String value, List<String> names) {
        Http2Headers h = new DefaultHttp2Headers().add(header, value);
        return OrcaHeaders.parse(h, names);
    }

    private static OrcaLoadReport text(String value) {
        return parse("endpoint-load-metrics", value, NONE);
    }

    @Test
    void textFormWithColonsOrEqualsAndTheWeightFormula() {
        OrcaLoadReport r = text("TEXT cpu_utilization:0.5, rps_fractional:100,eps:10");
        assertNotNull(r);
        // qps / (utilization + eps / qps * penalty) = 100 / (0.5 + 0.1 * 2)
        assertEquals(142, r.weight(2.0));
        assertEquals(166, text("TEXT cpu_utilization=0.5,rps_fractional=100,eps=10").weight(1.0));
        // application_utilization wins over cpu
        assertEquals(1000, text("TEXT application_utilization=0.1,cpu_utilization=0.9,rps_fractional=100").weight(0));
    }

    @Test
    void malformedTextReportsAreRejectedWhole() {
        assertNull(text("TEXT cpu_utilization:0.5,cpu_utilization:0.6,rps_fractional:1"), "duplicate");
        assertNull(text("TEXT cpu_utilization:0.5,unknown:1,rps_fractional:1"), "unknown metric");
        assertNull(text("TEXT cpu_utilization:NaN,rps_fractional:1"), "NaN");
        assertNull(text("TEXT cpu_utilization:inf,rps_fractional:1"), "infinity");
        assertNull(text("TEXT cpu_utilization:,rps_fractional:1"), "empty value");
        assertNull(text("TEXT :0.5"), "empty name");
        assertNull(text("cpu_utilization:0.5,rps_fractional:1"), "no format prefix");
        assertNull(text("XML <a/>"), "unknown format");
    }

    @Test
    void noQpsOrNoUtilizationGivesNoWeight() {
        assertEquals(-1, text("TEXT cpu_utilization:0.5").weight(1.0));
        assertEquals(-1, text("TEXT rps_fractional:10").weight(1.0));
        // errors alone make a utilization
        assertEquals(20, text("TEXT rps_fractional:10,eps:5").weight(1.0));
    }

    @Test
    void namedMetricsCountOnlyWhenConfiguredAndOnlyWithoutApplicationUtilization() {
        List<String> names = List.of("named_metrics.gpu", "utilization.disk");
        OrcaLoadReport r = parse("endpoint-load-metrics",
                "TEXT cpu_utilization:0.1,named_metrics.gpu:0.5,named_metrics.other:0.9,utilization.disk:0.8,"
                        + "rps_fractional:80", names);
        assertEquals(100, r.weight(0), "the largest configured metric (0.8), not cpu, not the unconfigured one");
        r = parse("endpoint-load-metrics", "TEXT cpu_utilization:0.1,named_metrics.other:0.9,rps_fractional:80", names);
        assertEquals(800, r.weight(0), "no configured metric present: cpu");
    }

    @Test
    void jsonFormInBothFieldSpellings() {
        OrcaLoadReport r = parse("endpoint-load-metrics",
                "JSON {\"cpuUtilization\": 0.25, \"rps_fractional\": \"50\", \"namedMetrics\": {\"q\": 0.5},"
                        + " \"requestCost\": {\"x\": [1, {\"y\": null}]}, \"rps\": 7}", List.of("named_metrics.q"));
        assertNotNull(r);
        assertEquals(100, r.weight(0));
        assertNull(parse("endpoint-load-metrics", "JSON {\"cpuUtilization\": 0.25", NONE), "truncated");
        assertNull(parse("endpoint-load-metrics", "JSON {\"cpuUtilization\": \"x\"}", NONE), "not a number");
        String deep = "[".repeat(20_000) + "]".repeat(20_000);
        assertNull(parse("endpoint-load-metrics", "JSON {\"cpuUtilization\": 0.25, \"other\": " + deep + "}", NONE),
                "an upstream's deep nesting is refused, not recursed into");
    }

    /** A serialized OrcaLoadReport: cpu (1), rps_fractional (6), eps (7), named_metrics (8), an unknown varint. */
    private static byte[] proto(double cpu, double rps, double eps, String named, double namedValue) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        fixed64(out, 1, cpu);
        out.write(3 << 3); // rps (deprecated uint64): skipped
        out.write(42);
        fixed64(out, 6, rps);
        fixed64(out, 7, eps);
        byte[] key = named.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream entry = new ByteArrayOutputStream();
        entry.write(1 << 3 | 2);
        entry.write(key.length);
        entry.writeBytes(key);
        fixed64(entry, 2, namedValue);
        out.write(8 << 3 | 2);
        out.write(entry.size());
        out.writeBytes(entry.toByteArray());
        return out.toByteArray();
    }

    private static void fixed64(ByteArrayOutputStream out, int field, double v) {
        out.write(field << 3 | 1);
        long bits = Double.doubleToLongBits(v);
        for (int i = 0; i < 8; i++) {
            out.write((int) (bits >>> (8 * i)));
        }
    }

    @Test
    void binaryFormsInBothHeaders() {
        String b64 = Base64.getEncoder().encodeToString(proto(0.5, 100, 0, "m", 0.25));
        assertEquals(200, parse("endpoint-load-metrics", "BIN " + b64, NONE).weight(0));
        assertEquals(400, parse("endpoint-load-metrics-bin", b64, List.of("named_metrics.m")).weight(0));
        byte[] whole = proto(0.5, 100, 0, "m", 0.25);
        String cut = Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(whole, whole.length - 3));
        assertNull(parse("endpoint-load-metrics", "BIN " + cut, NONE), "truncated message");
        assertNull(parse("endpoint-load-metrics", "BIN ", NONE), "empty");
    }

    @Test
    void theBinHeaderWinsOverTheTextOne() {
        String b64 = Base64.getEncoder().encodeToString(proto(0.5, 100, 0, "m", 0));
        Http2Headers h = new DefaultHttp2Headers().add("endpoint-load-metrics", "TEXT cpu_utilization:0.1,rps_fractional:100")
                .add("endpoint-load-metrics-bin", b64);
        assertEquals(200, OrcaHeaders.parse(h, NONE).weight(0));
    }
}
