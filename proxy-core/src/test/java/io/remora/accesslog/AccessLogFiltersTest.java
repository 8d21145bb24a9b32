package io.remora.accesslog;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.remora.config.AccessLogFilter;
import io.remora.config.AccessLogFilter.Comparison;
import io.remora.config.AccessLogType;
import io.remora.config.MetadataMatch;
import io.remora.config.ValueMatch;
import io.remora.config.HeaderMatcher;
import io.remora.config.StringMatcher;
import io.remora.runtime.FractionalPercent;
import io.remora.runtime.LayeredRuntimeConfig;
import io.remora.runtime.Runtime;
import io.remora.runtime.RuntimeEntry;
import io.remora.runtime.RuntimeLoader;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Access log filters evaluated on finished streams as Envoy's are. */
class AccessLogFiltersTest {

    static final Runtime NONE = Runtime.EMPTY;

    static Runtime runtime(Map<String, String> values) {
        Map<String, RuntimeEntry> entries = new java.util.HashMap<>();
        values.forEach((k, v) -> entries.put(k, RuntimeEntry.parse(v)));
        return new RuntimeLoader(new LayeredRuntimeConfig(List.of(new LayeredRuntimeConfig.Static("base", entries))),
                "svc", new SimpleMeterRegistry()).snapshot();
    }

    static Predicate<StreamInfo> compile(AccessLogFilter f, Runtime r) {
        return AccessLogFilters.compile(f, () -> r);
    }

    static StreamInfo stream(int status) {
        StreamInfo i = new StreamInfo();
        i.responseCode = status;
        i.durationNanos = 0;
        return i;
    }

    @Test
    void statusCodeComparesWithTheRuntimesValueFirst() {
        AccessLogFilter errors = new AccessLogFilter.StatusCode(new Comparison(Comparison.Op.GE, 400, "log.min"));
        assertTrue(compile(errors, NONE).test(stream(503)));
        assertFalse(compile(errors, NONE).test(stream(200)));
        assertTrue(compile(errors, runtime(Map.of("log.min", "200"))).test(stream(200)));
        assertTrue(compile(new AccessLogFilter.StatusCode(new Comparison(Comparison.Op.EQ, 0, null)), NONE)
                .test(stream(0)), "no response: code 0");
        assertTrue(compile(new AccessLogFilter.StatusCode(new Comparison(Comparison.Op.LE, 299, null)), NONE)
                .test(stream(204)));
    }

    @Test
    void durationInMilliseconds() {
        StreamInfo slow = stream(200);
        slow.durationNanos = 1_500_000_000L;
        AccessLogFilter overASecond = new AccessLogFilter.Duration(new Comparison(Comparison.Op.GE, 1000, null));
        assertTrue(compile(overASecond, NONE).test(slow));
        assertFalse(compile(overASecond, NONE).test(stream(200)));
    }

    @Test
    void healthChecksAndFlags() {
        StreamInfo hc = stream(200);
        hc.healthCheck(true);
        assertFalse(compile(new AccessLogFilter.NotHealthCheck(), NONE).test(hc));
        assertTrue(compile(new AccessLogFilter.NotHealthCheck(), NONE).test(stream(200)));

        StreamInfo noRoute = stream(404);
        noRoute.setFlag(ResponseFlag.NO_ROUTE_FOUND);
        assertTrue(compile(new AccessLogFilter.ResponseFlags(Set.of()), NONE).test(noRoute), "none listed: any flag");
        assertFalse(compile(new AccessLogFilter.ResponseFlags(Set.of()), NONE).test(stream(200)));
        assertTrue(compile(new AccessLogFilter.ResponseFlags(Set.of("UH", "NR")), NONE).test(noRoute));
        assertFalse(compile(new AccessLogFilter.ResponseFlags(Set.of("UH", "RLSE")), NONE).test(noRoute));
    }

    @Test
    void runtimeSamplingFollowsTheRequestId() {
        StreamInfo s = stream(200);
        s.requestId("0000000a-0000-4000-8000-000000000000"); // 10 % 100 = 10
        AccessLogFilter eleven = new AccessLogFilter.RuntimeSampled("log.sample",
                new FractionalPercent(11, FractionalPercent.Denominator.HUNDRED), false);
        AccessLogFilter ten = new AccessLogFilter.RuntimeSampled("log.sample",
                new FractionalPercent(10, FractionalPercent.Denominator.HUNDRED), false);
        assertTrue(compile(eleven, NONE).test(s));
        assertFalse(compile(ten, NONE).test(s));
        assertTrue(compile(ten, runtime(Map.of("log.sample", "100"))).test(s), "the runtime key overrides");
    }

    /**
     * Envoy's RuntimeFilter reads its runtime key as an integer numerator over percent_sampled's own
     * denominator (featureEnabled(key, numerator, random, denominator)), not as a percentage.
     */
    @Test
    void theRuntimeKeyIsANumeratorOverTheConfiguredDenominator() {
        StreamInfo s = stream(200);
        s.requestId("000003e8-0000-4000-8000-000000000000"); // 1000 % 10000 = 1000
        AccessLogFilter fiveIn10k = new AccessLogFilter.RuntimeSampled("log.sample",
                new FractionalPercent(5, FractionalPercent.Denominator.TEN_THOUSAND), false);
        assertFalse(compile(fiveIn10k, NONE).test(s));
        assertFalse(compile(fiveIn10k, runtime(Map.of("log.sample", "11"))).test(s), "11 in 10000, not 11%");
        assertTrue(compile(fiveIn10k, runtime(Map.of("log.sample", "1001"))).test(s), "1001 in 10000");
        assertTrue(compile(fiveIn10k, runtime(Map.of("log.sample", "20000"))).test(s), "past the denominator: all");
        assertFalse(compile(fiveIn10k, runtime(Map.of("log.sample", "1000"))).test(s));
    }

    /** Envoy's header_filter reads the request header map, which answers "host" with :authority. */
    @Test
    void aHeaderFilterOnHostMatchesTheAuthority() {
        StreamInfo s = stream(200);
        s.requestHeaders = new DefaultHttp2Headers().authority("api.example.com");
        AccessLogFilter host = new AccessLogFilter.Header(new HeaderMatcher("Host",
                new StringMatcher.Exact("api.example.com", false), null, null, false, false));
        assertTrue(compile(host, NONE).test(s));
        s.requestHeaders = new DefaultHttp2Headers().authority("other.example.com");
        assertFalse(compile(host, NONE).test(s));
    }

    @Test
    void grpcStatusFromTrailersHeadersOrHttp() {
        AccessLogFilter unavailable = new AccessLogFilter.GrpcStatus(Set.of(14L), false);
        StreamInfo trailers = stream(200);
        trailers.responseTrailers = new DefaultHttp2Headers().add("grpc-status", "14");
        assertTrue(compile(unavailable, NONE).test(trailers));
        StreamInfo http503 = stream(503);
        assertTrue(compile(unavailable, NONE).test(http503), "503 maps to UNAVAILABLE");
        assertFalse(compile(new AccessLogFilter.GrpcStatus(Set.of(14L), true), NONE).test(http503), "exclude");
        AccessLogFilter unknown = new AccessLogFilter.GrpcStatus(Set.of(2L), false);
        assertTrue(compile(unknown, NONE).test(stream(0)), "no status at all reads UNKNOWN");
        StreamInfo unreadable = stream(200);
        unreadable.responseTrailers = new DefaultHttp2Headers().add("grpc-status", "x");
        assertFalse(compile(unknown, NONE).test(unreadable), "an unreadable status is InvalidCode, not UNKNOWN");
    }

    @Test
    void headersAndCombinations() {
        HeaderMatcher debug = new HeaderMatcher("x-debug", new StringMatcher.Exact("1", false), null, null, false, false);
        StreamInfo withHeader = stream(500);
        withHeader.requestHeaders = new DefaultHttp2Headers().add("x-debug", "1");
        StreamInfo tcp = stream(0);
        AccessLogFilter header = new AccessLogFilter.Header(debug);
        assertTrue(compile(header, NONE).test(withHeader));
        assertFalse(compile(header, NONE).test(tcp), "no request headers: TCP");

        AccessLogFilter errors = new AccessLogFilter.StatusCode(new Comparison(Comparison.Op.GE, 500, null));
        assertTrue(compile(new AccessLogFilter.And(List.of(header, errors)), NONE).test(withHeader));
        assertFalse(compile(new AccessLogFilter.And(List.of(header, errors)), NONE).test(stream(500)));
        assertTrue(compile(new AccessLogFilter.Or(List.of(header, errors)), NONE).test(stream(500)));
        assertFalse(compile(new AccessLogFilter.Or(List.of(header, errors)), NONE).test(stream(200)));
    }

    @Test
    void logTypeIsTheEventTheEntryIsWrittenFor() {
        AccessLogFilter ends = new AccessLogFilter.LogType(Set.of(AccessLogType.DOWNSTREAM_END, AccessLogType.TCP_CONNECTION_END), false);
        StreamInfo i = stream(200);
        assertTrue(compile(ends, NONE).test(i), "a stream's entry is its end's unless said otherwise");
        i.accessLogType(AccessLogType.DOWNSTREAM_PERIODIC);
        assertFalse(compile(ends, NONE).test(i));
        assertTrue(compile(new AccessLogFilter.LogType(Set.of(AccessLogType.DOWNSTREAM_END), true), NONE).test(i));
        i.accessLogType(AccessLogType.TCP_CONNECTION_END);
        assertTrue(compile(ends, NONE).test(i));
    }

    @Test
    void metadataMatchesWhereTheKeyIsAndDefaultsWhereItIsNot() {
        MetadataMatch denied = new MetadataMatch("envoy.filters.http.rbac", List.of("shadow_effective_policy_id"),
                new ValueMatch.StringValue(new StringMatcher.Prefix("deny", false)), true);
        StreamInfo i = stream(200);
        assertTrue(compile(new AccessLogFilter.Metadata(denied, true), NONE).test(i), "no key: match_if_key_not_found");
        assertFalse(compile(new AccessLogFilter.Metadata(denied, false), NONE).test(i));
        i.setDynamicMetadata("envoy.filters.http.rbac", "shadow_effective_policy_id", "deny-all");
        assertTrue(compile(new AccessLogFilter.Metadata(denied, false), NONE).test(i), "invert plays no part, as Envoy's");
        i.setDynamicMetadata("envoy.filters.http.rbac", "shadow_effective_policy_id", "allow-all");
        assertFalse(compile(new AccessLogFilter.Metadata(denied, true), NONE).test(i));
        assertFalse(compile(new AccessLogFilter.Metadata(null, false), NONE).test(i), "no matcher: never found");
    }

    @Test
    void traceableWhenTheServiceForcedTheTrace() {
        StreamInfo i = stream(200);
        assertFalse(compile(new AccessLogFilter.Traceable(), NONE).test(i));
        i.traceForced(true);
        assertTrue(compile(new AccessLogFilter.Traceable(), NONE).test(i));
    }
}
