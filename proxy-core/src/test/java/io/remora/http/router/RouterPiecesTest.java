package io.remora.http.router;

import io.remora.util.JitteredBackOff;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.HeaderMatcher;
import io.remora.config.RetryPolicy;
import io.remora.config.StringMatcher;
import io.remora.route.RetryHeaderMatchers;
import io.remora.config.RetryPolicy.RetryOn;
import io.remora.http.testing.TestRoute;
import io.remora.http.upstream.ResetReason;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The router's small decisions: back-off bounds, timeouts from headers, retry conditions. */
class RouterPiecesTest {

    @Test
    void backOffIsFullJitterDoublingToTheCap() {
        for (int run = 0; run < 200; run++) {
            JitteredBackOff b = new JitteredBackOff(25, 250);
            long[] bounds = {25, 50, 100, 200, 250, 250};
            for (long bound : bounds) {
                long v = b.nextMillis();
                assertTrue(v >= 0 && v < bound, v + " not in [0," + bound + ")");
            }
        }
    }

    @Test
    void routeTimeoutHeadersAndGrpcTimeout() {
        Http2Headers h = new DefaultHttp2Headers().set("x-envoy-upstream-rq-timeout-ms", "250")
                .set("x-envoy-upstream-rq-per-try-timeout-ms", "100");
        RouterFilter t = new RouterFilter(new io.remora.config.RouterFilterConfig(false));
        var action = TestRoute.action("c", null, null, null);
        Timeouts.compute(t, action, null, h, false);
        assertEquals(250, t.globalTimeoutMillis);
        assertEquals(100, t.perTryTimeoutMillis);
        assertNull(h.get("x-envoy-upstream-rq-timeout-ms"));
        Timeouts.writeHeaders(t, h, action, false, true, false);
        assertEquals("100", h.get("x-envoy-expected-rq-timeout-ms").toString(), "the tighter per-try timeout");
        Timeouts.writeHeaders(t, h, action, false, true, true);
        assertEquals("250", h.get("x-envoy-expected-rq-timeout-ms").toString(),
                "a hedged try may run on to the route timeout");

        RouterFilter none = new RouterFilter(new io.remora.config.RouterFilterConfig(false));
        Http2Headers noneHeaders = new DefaultHttp2Headers();
        Timeouts.compute(none, TestRoute.action("c", Duration.ZERO, null, null), null, noneHeaders, false);
        assertEquals(0, none.globalTimeoutMillis);
        Timeouts.writeHeaders(none, noneHeaders, TestRoute.action("c", Duration.ZERO, null, null), false, true, false);
        assertNull(noneHeaders.get("x-envoy-expected-rq-timeout-ms"), "no timeout, no header");

        var grpcRoute = new io.remora.config.ForwardAction(new io.remora.config.ClusterSpecifier.Single("c"), null, null,
                null, false, null, Duration.ofSeconds(15), null, null, null, Duration.ofSeconds(2), null);
        RouterFilter g = new RouterFilter(new io.remora.config.RouterFilterConfig(false));
        Timeouts.compute(g, grpcRoute, null, new DefaultHttp2Headers().set("grpc-timeout", "500m"), true);
        assertEquals(500, g.globalTimeoutMillis);
        Timeouts.compute(g, grpcRoute, null, new DefaultHttp2Headers().set("grpc-timeout", "9S"), true);
        assertEquals(2000, g.globalTimeoutMillis);
        assertEquals(3_600_000, io.remora.http.GrpcTimeoutHeader.millis("1H"));
        assertEquals(-1, io.remora.http.GrpcTimeoutHeader.millis("12x"));
        assertEquals("250m", io.remora.http.GrpcTimeoutHeader.value(250));
        assertEquals("100000S", io.remora.http.GrpcTimeoutHeader.value(100_000_000L));
    }

    @Test
    void retryConditionsFollowEnvoy() {
        RetryPolicy p = new RetryPolicy(EnumSet.of(RetryOn.GATEWAY_ERROR, RetryOn.RETRIABLE_4XX), 2, null, null,
                Set.of(), null, null, false, 1);
        RetryState r = RetryState.create(p, new DefaultHttp2Headers());
        assertTrue(r.wouldRetry(502, new DefaultHttp2Headers(), true));
        assertFalse(r.wouldRetry(500, new DefaultHttp2Headers(), true));
        assertTrue(r.wouldRetry(409, new DefaultHttp2Headers(), true));
        assertTrue(r.wouldRetry(ResetReason.CONNECTION_FAILURE));
        assertFalse(r.wouldRetry(ResetReason.OVERFLOW));

        RetryState cf = RetryState.create(TestRoute.retry(1, null, RetryOn.CONNECT_FAILURE), new DefaultHttp2Headers());
        assertTrue(cf.wouldRetry(ResetReason.CONNECTION_FAILURE));
        assertFalse(cf.wouldRetry(ResetReason.CONNECTION_TERMINATION));
        assertFalse(cf.wouldRetryTimeout());

        RetryState rbr = RetryState.create(TestRoute.retry(1, null, RetryOn.RESET_BEFORE_REQUEST), new DefaultHttp2Headers());
        assertTrue(rbr.wouldRetry(ResetReason.CONNECTION_FAILURE, false));
        assertFalse(rbr.wouldRetry(ResetReason.CONNECTION_TERMINATION, true));

        assertNull(RetryState.create(null, new DefaultHttp2Headers()));
        RetryState fromHeaders = RetryState.create(null, new DefaultHttp2Headers()
                .set("x-envoy-retry-grpc-on", "unavailable,cancelled").set("x-envoy-max-retries", "4"));
        assertEquals(4, fromHeaders.maxRetries);
        assertTrue(fromHeaders.wouldRetry(200, new DefaultHttp2Headers().set("grpc-status", "14"), true));
        assertFalse(fromHeaders.wouldRetry(200, new DefaultHttp2Headers().set("grpc-status", "13"), true));
    }

    @Test
    void retriableHeadersAndRequestHeaders() {
        RetryPolicy p = RetryPolicy.builder().retryOn(EnumSet.of(RetryOn.RETRIABLE_HEADERS)).numRetries(2)
                .retriableHeaders(List.of(new HeaderMatcher("x-upstream-retry", null, true, null, false, false)))
                .retriableRequestHeaders(List.of(new HeaderMatcher(":method", new StringMatcher.Exact("GET", false),
                        null, null, false, false)))
                .build();
        RetryHeaderMatchers m = RetryHeaderMatchers.of(p);
        RetryState get = RetryState.create(p, new DefaultHttp2Headers().method("GET"), m);
        assertTrue(get.wouldRetry(200, new DefaultHttp2Headers().set("x-upstream-retry", "1"), true));
        assertFalse(get.wouldRetry(500, new DefaultHttp2Headers(), true), "only the headers are a condition here");
        // As Envoy's RetryStateImpl (retry_on_ = 0): a POST keeps a state that retries nothing.
        RetryState post = RetryState.create(p, new DefaultHttp2Headers().method("POST"), m);
        assertFalse(post.enabled(), "retriable_request_headers: a POST is never retried");
        assertFalse(post.wouldRetry(200, new DefaultHttp2Headers().set("x-upstream-retry", "1"), true));
        assertFalse(post.wouldRetry(io.remora.http.upstream.ResetReason.CONNECTION_FAILURE));

        // x-envoy-retriable-header-names adds presence matchers, with retriable-headers from the request too.
        RetryState named = RetryState.create(null, new DefaultHttp2Headers().method("GET")
                .set("x-envoy-retry-on", "retriable-headers").set("x-envoy-retriable-header-names", "X-A, x-b"),
                RetryHeaderMatchers.NONE);
        assertTrue(named.wouldRetry(200, new DefaultHttp2Headers().set("x-b", ""), true));
        assertFalse(named.wouldRetry(200, new DefaultHttp2Headers().set("x-c", "1"), true));
        RetryState withoutCondition = RetryState.create(TestRoute.retry(1, null, RetryOn.FIVE_XX),
                new DefaultHttp2Headers().set("x-envoy-retriable-header-names", "x-a"), RetryHeaderMatchers.NONE);
        assertFalse(withoutCondition.wouldRetry(200, new DefaultHttp2Headers().set("x-a", "1"), true),
                "names alone are no condition");
    }

    @Test
    void routePolicyAloneOrWithRequestHeaders() {
        // Istio's route policy: retriable-status-codes 503 among the conditions.
        RetryPolicy p = new RetryPolicy(EnumSet.of(RetryOn.CONNECT_FAILURE, RetryOn.RETRIABLE_STATUS_CODES), 2,
                null, null, Set.of(503), null, null, true, 5);
        RetryState alone = RetryState.create(p, new DefaultHttp2Headers());
        assertEquals(2, alone.maxRetries);
        assertTrue(alone.wouldRetry(503, new DefaultHttp2Headers(), true));
        assertFalse(alone.wouldRetry(502, new DefaultHttp2Headers(), true));
        assertTrue(alone.wouldRetry(ResetReason.CONNECTION_FAILURE));
        assertTrue(alone.retryOtherHosts());

        RetryState maxFromHeader = RetryState.create(p, new DefaultHttp2Headers().set("x-envoy-max-retries", "0"));
        assertEquals(0, maxFromHeader.maxRetries);

        // Header conditions and codes add to the route's (and do not leak into the route's sets).
        RetryState merged = RetryState.create(p, new DefaultHttp2Headers().set("x-envoy-retry-on", "5xx")
                .set("x-envoy-retriable-status-codes", "418"));
        assertTrue(merged.wouldRetry(500, new DefaultHttp2Headers(), true));
        assertTrue(merged.wouldRetry(418, new DefaultHttp2Headers(), true));
        assertTrue(merged.wouldRetry(503, new DefaultHttp2Headers(), true));
        assertEquals(EnumSet.of(RetryOn.CONNECT_FAILURE, RetryOn.RETRIABLE_STATUS_CODES), p.retryOn());
        assertEquals(Set.of(503), p.retriableStatusCodes());
        RetryState again = RetryState.create(p, new DefaultHttp2Headers());
        assertFalse(again.wouldRetry(500, new DefaultHttp2Headers(), true));
        assertFalse(again.wouldRetry(418, new DefaultHttp2Headers(), true));

        assertNull(RetryState.create(new RetryPolicy(Set.of(), 2, null, null, Set.of(), null, null, false, 1),
                new DefaultHttp2Headers()), "a policy without conditions retries nothing");
        RetryGate gate = new RetryGate(false); // the request's: made at its first retry decision
        long first = gate.backOff(alone).nextMillis();
        assertTrue(first >= 0 && first < 25, "base interval 25 ms: " + first);
        assertSame(gate.backOff(alone), gate.backOff(alone), "one back-off per request, its interval growing");
    }

    @Test
    void shadowHostKeepsThePort() {
        assertEquals("foo-shadow", MirrorCopies.shadowHost("foo"));
        assertEquals("foo-shadow:8080", MirrorCopies.shadowHost("foo:8080"));
        assertEquals("[::1]-shadow:80", MirrorCopies.shadowHost("[::1]:80"));
    }
}
