package io.remora.xds.translate;

import io.remora.config.AccessLogConfig;
import io.remora.xds.bootstrap.LoadedBootstrap;
import io.remora.xds.fluentd.FluentdLogConfig;
import io.remora.config.FluentdTarget;
import org.junit.jupiter.api.Test;

import static io.remora.xds.translate.GrpcAccessLogTranslationTest.LOG;
import static io.remora.xds.translate.GrpcAccessLogTranslationTest.load;
import static io.remora.xds.translate.GrpcAccessLogTranslationTest.logs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code envoy.access_loggers.fluentd} as Envoy reads it: its defaults, and bad configs refused naming the field. */
class FluentdTranslationTest {

    private static final String FLUENTD = "envoy.extensions.access_loggers.fluentd.v3.FluentdAccessLogConfig";
    private static final String REQUIRED = "cluster: c1\ntag: mesh\nstat_prefix: edge\nrecord: { status: \"%RESPONSE_CODE%\" }\n";

    private static String error(String body) {
        return assertThrows(TranslationException.class, () -> load(FLUENTD, body)).getMessage();
    }

    @Test
    void defaultsAreEnvoys() {
        LoadedBootstrap b = load(FLUENTD, REQUIRED);
        AccessLogConfig log = logs(b).get(0);
        assertEquals(AccessLogConfig.Sink.EXTERNAL, log.sink());
        FluentdLogConfig f = (FluentdLogConfig) log.external();
        assertEquals(new FluentdTarget("c1", "mesh", "edge", 1000, 16384, new FluentdTarget.Retry(-1, 500, 5000)),
                f.target());
        assertEquals("%RESPONSE_CODE%", f.record().getFieldsOrThrow("status").getStringValue());
        assertTrue(b.warnings().isEmpty(), b.warnings().toString());
    }

    @Test
    void everyOptionIsRead() {
        FluentdLogConfig f = (FluentdLogConfig) logs(load(FLUENTD, REQUIRED + """
                buffer_flush_interval: 0.25s
                buffer_size_bytes: 0
                retry_options: { max_connect_attempts: 3, backoff_options: { base_interval: 0.1s } }
                """)).get(0).external();
        assertEquals(new FluentdTarget("c1", "mesh", "edge", 250, 0, new FluentdTarget.Retry(3, 100, 1000)),
                f.target(), "max_interval defaults to ten times the base");
        f = (FluentdLogConfig) logs(load(FLUENTD, REQUIRED
                + "retry_options: { backoff_options: { base_interval: 0.1s, max_interval: 2s } }\n")).get(0).external();
        assertEquals(new FluentdTarget.Retry(-1, 100, 2000), f.target().retry());
    }

    @Test
    void badConfigsAreRefusedNamingTheField() {
        assertTrue(error("tag: mesh\nstat_prefix: edge\nrecord: { a: b }\n").startsWith(LOG + ".cluster: missing"));
        assertTrue(error("cluster: c1\nstat_prefix: edge\nrecord: { a: b }\n").startsWith(LOG + ".tag: missing"));
        assertTrue(error("cluster: c1\ntag: mesh\nrecord: { a: b }\n").startsWith(LOG + ".stat_prefix: missing"));
        assertTrue(error("cluster: c1\ntag: mesh\nstat_prefix: edge\n").startsWith(LOG + ".record: missing"));
        assertTrue(error("cluster: nowhere\ntag: mesh\nstat_prefix: edge\nrecord: { a: b }\n")
                .startsWith(LOG + ".cluster: unknown cluster 'nowhere'"));
        assertTrue(error(REQUIRED + "buffer_flush_interval: 0s\n").startsWith(LOG + ".buffer_flush_interval: must be"));
        assertTrue(error(REQUIRED + "retry_options: { backoff_options: { max_interval: 1s } }\n")
                .startsWith(LOG + ".retry_options.backoff_options.base_interval: missing"));
        String e = error(REQUIRED + "retry_options: { backoff_options: { base_interval: 2s, max_interval: 1s } }\n");
        assertTrue(e.startsWith(LOG + ".retry_options.backoff_options.max_interval: must be greater than or equal"), e);
        e = error("cluster: c1\ntag: mesh\nstat_prefix: edge\nrecord: { nested: { bad: \"%NOT_A_COMMAND%\" } }\n");
        assertTrue(e.startsWith(LOG + ".record: "), e);
        e = error(REQUIRED + "formatters: [ { name: custom, typed_config: { \"@type\": type.googleapis.com/google.protobuf.Struct } } ]\n");
        assertTrue(e.startsWith(LOG + ".formatters[0]: unsupported formatter extension"), e);
    }
}
