package io.remora.upstream.lb;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.HashPolicy;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Envoy's hash policy evaluation: each value xxHash64'd, folded with a rotation, terminal stops. */
class RequestHashTest {
    private static final InetSocketAddress REMOTE = new InetSocketAddress("10.0.0.7", 40000);
    private static final InetSocketAddress LOCAL = new InetSocketAddress("10.0.0.1", 8080);

    private static Http2Headers headers() {
        return new DefaultHttp2Headers().method("GET").path("/p?user=alice&x=1").authority("a")
                .add("x-user", "bob").add("cookie", "a=1; session=s-123");
    }

    private static OptionalLong hash(List<HashPolicy> p, Http2Headers h, List<String> cookies) {
        return RequestHash.compute(p, h, REMOTE, LOCAL, cookies::add, Map.<String, Object>of("k", "v")::get);
    }

    @Test
    void eachPolicyHashesItsValue() {
        List<String> c = new ArrayList<>();
        assertEquals(XxHash64.hash("bob"), hash(List.of(new HashPolicy.Header("x-user", false)), headers(), c).getAsLong());
        assertEquals(XxHash64.hash("alice"), hash(List.of(new HashPolicy.QueryParameter("user", false)), headers(), c)
                .getAsLong());
        assertEquals(XxHash64.hash("s-123"), hash(List.of(new HashPolicy.Cookie("session", null, "", false)), headers(), c)
                .getAsLong());
        assertEquals(XxHash64.hash("10.0.0.7"), hash(List.of(new HashPolicy.SourceIp(false)), headers(), c).getAsLong());
        assertEquals(XxHash64.hash("v"), hash(List.of(new HashPolicy.FilterState("k", false)), headers(), c).getAsLong());
        assertFalse(hash(List.of(new HashPolicy.Header("absent", false)), headers(), c).isPresent());
        assertTrue(c.isEmpty());
    }

    /** Envoy's header regex_rewrite: the hash key is the rewritten value (here the path's first segment). */
    @Test
    void aHeadersRegexRewriteMakesTheKey() {
        var rewrite = new io.remora.config.ForwardAction.RegexRewrite(
                com.google.re2j.Pattern.compile("^/(\\w+)/.*$"), "\\1");
        Http2Headers h = headers().set("x-path", "/tenant/orders/7");
        assertEquals(XxHash64.hash("tenant"), hash(List.of(new HashPolicy.Header("x-path", rewrite, false)), h,
                new ArrayList<>()).getAsLong());
    }

    @Test
    void hashesFoldWithARotationAndATerminalPolicyStops() {
        List<String> c = new ArrayList<>();
        long user = XxHash64.hash("bob");
        long query = XxHash64.hash("alice");
        assertEquals(Long.rotateLeft(user, 1) ^ query, hash(List.of(new HashPolicy.Header("x-user", false),
                new HashPolicy.QueryParameter("user", false)), headers(), c).getAsLong());
        assertEquals(user, hash(List.of(new HashPolicy.Header("x-user", true),
                new HashPolicy.QueryParameter("user", false)), headers(), c).getAsLong());
        // A terminal policy that yields nothing does not stop the walk.
        assertEquals(query, hash(List.of(new HashPolicy.Header("absent", true),
                new HashPolicy.QueryParameter("user", false)), headers(), c).getAsLong());
    }

    @Test
    void aMissingCookieWithTtlIsGeneratedPerConnection() {
        List<String> c = new ArrayList<>();
        Http2Headers h = new DefaultHttp2Headers().method("GET").path("/");
        long first = hash(List.of(new HashPolicy.Cookie("sticky", Duration.ofHours(1), "/", false)), h, c).getAsLong();
        String value = String.format("%016x", XxHash64.hash("10.0.0.7:40000" + "10.0.0.1:8080"));
        assertEquals(List.of("sticky=\"" + value + "\"; Max-Age=3600; Path=/; HttpOnly"), c);
        assertEquals(XxHash64.hash(value), first);
        // The client sends it back: the same hash, no new cookie.
        c.clear();
        Http2Headers back = new DefaultHttp2Headers().method("GET").path("/").add("cookie", "sticky=\"" + value + "\"");
        assertEquals(first, hash(List.of(new HashPolicy.Cookie("sticky", Duration.ofHours(1), "/", false)), back, c)
                .getAsLong());
        assertTrue(c.isEmpty());
    }

    @Test
    void aQueryParameterIsHashedAsSentAndItsFirstValueCounts() {
        List<HashPolicy> byUser = List.of(new HashPolicy.QueryParameter("user", false));
        List<String> c = new ArrayList<>();
        // Envoy's parseQueryString: no percent-decoding, '+' is not a space, ';' does not split.
        assertEquals(XxHash64.hash("a%20b"), hash(byUser, new DefaultHttp2Headers().path("/p?user=a%20b"), c)
                .getAsLong());
        assertEquals(XxHash64.hash("a+b"), hash(byUser, new DefaultHttp2Headers().path("/p?user=a+b"), c)
                .getAsLong());
        assertEquals(XxHash64.hash("x;y=1"), hash(byUser, new DefaultHttp2Headers().path("/p?user=x;y=1"), c)
                .getAsLong());
        assertEquals(XxHash64.hash("first"), hash(byUser,
                new DefaultHttp2Headers().path("/p?user=first&user=second"), c).getAsLong());
        assertEquals(XxHash64.hash(""), hash(byUser, new DefaultHttp2Headers().path("/p?user"), c).getAsLong());
        // An encoded name is another name.
        assertFalse(hash(byUser, new DefaultHttp2Headers().path("/p?us%65r=x"), c).isPresent());
    }

    @Test
    void anIpv6ClientAndConnectionAreHashedAsEnvoyPrintsThem() {
        InetSocketAddress remote = new InetSocketAddress("2001:db8:0:0:0:0:0:7", 40000);
        InetSocketAddress local = new InetSocketAddress("::1", 8080);
        Http2Headers h = new DefaultHttp2Headers().method("GET").path("/");
        assertEquals(XxHash64.hash("2001:db8::7"), RequestHash.compute(List.of(new HashPolicy.SourceIp(false)), h,
                remote, local, v -> { }).getAsLong());
        List<String> cookies = new ArrayList<>();
        RequestHash.compute(List.of(new HashPolicy.Cookie("sticky", Duration.ofHours(1), "/", false)), h, remote, local,
                cookies::add);
        String value = String.format("%016x", XxHash64.hash("[2001:db8::7]:40000" + "[::1]:8080"));
        assertEquals(List.of("sticky=\"" + value + "\"; Max-Age=3600; Path=/; HttpOnly"), cookies);
    }
}
