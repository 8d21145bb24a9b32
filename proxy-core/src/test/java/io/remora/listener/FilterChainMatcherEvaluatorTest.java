package io.remora.listener;

import io.remora.config.CidrRange;
import io.remora.config.MatchInput;
import io.remora.config.UnifiedMatcher;
import io.remora.config.UnifiedMatcher.And;
import io.remora.config.UnifiedMatcher.ExactTree;
import io.remora.config.UnifiedMatcher.FieldMatcher;
import io.remora.config.UnifiedMatcher.IpTree;
import io.remora.config.UnifiedMatcher.MatcherList;
import io.remora.config.UnifiedMatcher.Not;
import io.remora.config.UnifiedMatcher.OnMatch;
import io.remora.config.UnifiedMatcher.Or;
import io.remora.config.UnifiedMatcher.PrefixTree;
import io.remora.config.UnifiedMatcher.RangeMatcher;
import io.remora.config.UnifiedMatcher.Single;
import io.remora.config.StringMatcher;
import io.remora.matching.UnifiedMatcherEvaluator;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The xDS matcher semantics of filter_chain_matcher, evaluated on connection facts. */
class FilterChainMatcherEvaluatorTest {

    private static FilterChainSelector.Input conn(String dst, int dstPort, String sni, String tp, List<String> alpn,
                                                  String src, int srcPort) throws Exception {
        return new FilterChainSelector.Input(InetAddress.getByName(dst), dstPort, sni, tp, alpn,
                InetAddress.getByName(src), srcPort);
    }

    private static FilterChainSelector.Input conn(String dst, int dstPort, String src) throws Exception {
        return conn(dst, dstPort, null, "raw_buffer", List.of(), src, 40000);
    }

    private static OnMatch<String> a(String chain) {
        return OnMatch.action(chain);
    }

    private static OnMatch<String> n(UnifiedMatcher<String> m) {
        return OnMatch.nested(m);
    }

    private static String eval(UnifiedMatcher<String> m, FilterChainSelector.Input in) {
        return new UnifiedMatcherEvaluator<>(m).match(in);
    }

    /** The ambient waypoint's shape: destination IP first, then port (or ALPN) below it. */
    @Test
    void ipThenPortTree() throws Exception {
        UnifiedMatcher<String> m = new IpTree<>(MatchInput.DESTINATION_IP, List.of(
                new RangeMatcher<>(List.of(new CidrRange("10.104.171.68", 32)), n(new ExactTree<>(MatchInput.DESTINATION_PORT,
                        Map.of("8000", a("vip-8000"), "8100", a("vip-8100")), null)), false),
                new RangeMatcher<>(List.of(new CidrRange("192.168.195.248", 32)), n(new ExactTree<>(
                        MatchInput.APPLICATION_PROTOCOL, Map.of("'h2c'", a("direct-http"), "'http/1.1'", a("direct-http")),
                        a("direct-tcp"))), false)), null);
        assertEquals("vip-8000", eval(m, conn("10.104.171.68", 8000, "10.0.0.9")));
        assertEquals("vip-8100", eval(m, conn("10.104.171.68", 8100, "10.0.0.9")));
        assertNull(eval(m, conn("10.104.171.68", 9000, "10.0.0.9")), "no port entry and no on_no_match anywhere");
        assertEquals("direct-http", eval(m, conn("192.168.195.248", 80, null, "raw_buffer", List.of("http/1.1"),
                "10.0.0.9", 1)));
        assertEquals("direct-tcp", eval(m, conn("192.168.195.248", 80, null, "raw_buffer", List.of(), "10.0.0.9", 1)));
        assertNull(eval(m, conn("10.1.1.1", 8000, "10.0.0.9")));
    }

    @Test
    void aNestedMatcherThatFindsNothingFallsBackToTheEnclosingOnNoMatch() throws Exception {
        UnifiedMatcher<String> m = new ExactTree<>(MatchInput.DESTINATION_PORT, Map.of(
                "8080", n(new ExactTree<>(MatchInput.TRANSPORT_PROTOCOL, Map.of("tls", a("tls-8080")), null))),
                a("passthrough"));
        assertEquals("tls-8080", eval(m, conn("1.2.3.4", 8080, null, "tls", List.of(), "5.6.7.8", 1)));
        assertEquals("passthrough", eval(m, conn("1.2.3.4", 8080, "5.6.7.8")));
        assertEquals("passthrough", eval(m, conn("1.2.3.4", 9090, "5.6.7.8")));
    }

    @Test
    void prefixTreeTriesTheLongestPrefixFirstThenShorterOnes() throws Exception {
        UnifiedMatcher<String> m = new PrefixTree<>(MatchInput.SERVER_NAME, Map.of(
                "api.", a("api"),
                "api.internal.", n(new ExactTree<>(MatchInput.DESTINATION_PORT, Map.of("443", a("internal-443")), null))),
                a("other"));
        assertEquals("internal-443", eval(m, conn("1.1.1.1", 443, "api.internal.example", "tls", List.of(), "2.2.2.2", 1)));
        // The longest prefix's nested matcher finds nothing: the shorter prefix still matches.
        assertEquals("api", eval(m, conn("1.1.1.1", 8443, "api.internal.example", "tls", List.of(), "2.2.2.2", 1)));
        assertEquals("other", eval(m, conn("1.1.1.1", 443, "www.example", "tls", List.of(), "2.2.2.2", 1)));
        // No SNI at all: the input has no value, on_no_match applies.
        assertEquals("other", eval(m, conn("1.1.1.1", 443, "2.2.2.2")));
    }

    @Test
    void ipRangesMostSpecificFirstAndExclusiveStopsTheFallback() throws Exception {
        UnifiedMatcher<String> dead = new ExactTree<>(MatchInput.DESTINATION_PORT, Map.of("1", a("never")), null);
        UnifiedMatcher<String> wide = new IpTree<>(MatchInput.SOURCE_IP, List.of(
                new RangeMatcher<>(List.of(new CidrRange("10.0.0.0", 8)), a("ten"), false),
                new RangeMatcher<>(List.of(new CidrRange("10.1.0.0", 16)), n(dead), false)), a("none"));
        assertEquals("ten", eval(wide, conn("9.9.9.9", 80, "10.1.2.3")), "a /16 that yields nothing falls to the /8");
        UnifiedMatcher<String> exclusive = new IpTree<>(MatchInput.SOURCE_IP, List.of(
                new RangeMatcher<>(List.of(new CidrRange("10.0.0.0", 8)), a("ten"), false),
                new RangeMatcher<>(List.of(new CidrRange("10.1.0.0", 16)), n(dead), true)), a("none"));
        assertEquals("none", eval(exclusive, conn("9.9.9.9", 80, "10.1.2.3")));
        assertEquals("ten", eval(exclusive, conn("9.9.9.9", 80, "10.2.2.3")));
        assertEquals("none", eval(exclusive, conn("9.9.9.9", 80, "11.0.0.1")));
        UnifiedMatcher<String> v6 = new IpTree<>(MatchInput.DESTINATION_IP, List.of(
                new RangeMatcher<>(List.of(new CidrRange("fd00::", 8)), a("ula"), false)), null);
        assertEquals("ula", eval(v6, conn("fd00::1", 80, "::1")));
        assertNull(eval(v6, conn("10.0.0.1", 80, "::1")));
    }

    @Test
    void matcherListTakesTheFirstPredicateThatHoldsAndYields() throws Exception {
        Single local = new Single(MatchInput.SOURCE_TYPE, new StringMatcher.Exact("local", false), List.of());
        Single port80 = new Single(MatchInput.DESTINATION_PORT, new StringMatcher.Exact("80", false), List.of());
        Single tenNet = new Single(MatchInput.DIRECT_SOURCE_IP, null, List.of(new CidrRange("10.0.0.0", 8)));
        Single highPort = new Single(MatchInput.SOURCE_PORT, new StringMatcher.Regex(com.google.re2j.Pattern.compile("[5-9][0-9]{4}")),
                List.of());
        UnifiedMatcher<String> m = new MatcherList<>(List.of(
                new FieldMatcher<>(new And(List.of(local, port80)), a("local-80")),
                new FieldMatcher<>(port80, n(new ExactTree<>(MatchInput.SERVER_NAME, Map.of("x", a("never")), null))),
                new FieldMatcher<>(new Or(List.of(tenNet, highPort)), a("ten-or-high")),
                new FieldMatcher<>(new Not(local), a("remote"))), a("fallback"));
        assertEquals("local-80", eval(m, conn("127.0.0.1", 80, "127.0.0.1")));
        assertEquals("local-80", eval(m, conn("10.9.9.9", 80, "10.9.9.9")), "same IP counts as local");
        // Second field matches but its nested matcher yields nothing: the list goes on.
        assertEquals("ten-or-high", eval(m, conn("1.1.1.1", 80, "10.2.3.4")));
        assertEquals("ten-or-high", eval(m, conn("1.1.1.1", 443, null, "tls", List.of(), "8.8.8.8", 55555)));
        assertEquals("remote", eval(m, conn("1.1.1.1", 443, null, "tls", List.of(), "8.8.8.8", 1234)));
        assertEquals("fallback", eval(m, conn("127.0.0.1", 443, "127.0.0.1")));
    }

    @Test
    void inputsRenderAsEnvoysNetworkInputs() throws Exception {
        var in = conn("2001:db8::1", 15006, "svc.local", "tls", List.of("h2", "http/1.1"), "::ffff:10.0.0.1", 5);
        assertEquals("2001:db8::1", in.value(MatchInput.DESTINATION_IP));
        assertEquals("15006", in.value(MatchInput.DESTINATION_PORT));
        assertEquals("'h2','http/1.1'", in.value(MatchInput.APPLICATION_PROTOCOL));
        assertEquals("svc.local", in.value(MatchInput.SERVER_NAME));
        assertEquals("tls", in.value(MatchInput.TRANSPORT_PROTOCOL));
        assertEquals("5", in.value(MatchInput.SOURCE_PORT));
        assertNull(in.value(MatchInput.SOURCE_TYPE));
        var plain = conn("10.0.0.1", 80, "10.0.0.2");
        assertNull(plain.value(MatchInput.SERVER_NAME));
        assertNull(plain.value(MatchInput.APPLICATION_PROTOCOL));
    }
}
