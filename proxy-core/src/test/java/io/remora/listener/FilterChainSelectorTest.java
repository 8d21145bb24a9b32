package io.remora.listener;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.remora.config.CidrRange;
import io.remora.config.FilterChainConfig;
import io.remora.config.FilterChainMatch;
import io.remora.config.FilterChainMatch.SourceType;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FilterChainSelectorTest {

    private static FilterChainMatch m(int port, List<CidrRange> dst, List<String> sni, String tp, List<String> alpn,
                                      SourceType st, List<CidrRange> src, List<Integer> srcPorts) {
        return new FilterChainMatch(port, dst, sni, tp, alpn, st, src, srcPorts);
    }

    private static FilterChainMatch any() {
        return FilterChainMatch.ANY;
    }

    private static FilterChainConfig fc(String name, FilterChainMatch match) {
        return new FilterChainConfig(name, match, List.of(), null);
    }

    private static CidrRange cidr(String p, int len) {
        return new CidrRange(p, len);
    }

    private record Case(String dst, int dstPort, String sni, String tp, List<String> alpn, String src, int srcPort,
                        String expect) {
    }

    private static Case c(String dst, int dstPort, String sni, String tp, List<String> alpn, String src, int srcPort,
                          String expect) {
        return new Case(dst, dstPort, sni, tp, alpn, src, srcPort, expect);
    }

    private static void run(FilterChainSelector sel, List<Case> cases) throws Exception {
        List<String> failures = new ArrayList<>();
        for (Case k : cases) {
            FilterChainConfig got = sel.select(new FilterChainSelector.Input(InetAddress.getByName(k.dst()), k.dstPort(),
                    k.sni(), k.tp(), k.alpn(), InetAddress.getByName(k.src()), k.srcPort()));
            String name = got == null ? null : got.name();
            if (!java.util.Objects.equals(k.expect(), name)) {
                failures.add(k + " -> " + name);
            }
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void destinationPortThenPrefixThenDefault() throws Exception {
        FilterChainSelector sel = new FilterChainSelector(List.of(
                fc("port80", m(80, List.of(), List.of(), "", List.of(), SourceType.ANY, List.of(), List.of())),
                fc("net10", m(0, List.of(cidr("10.0.0.0", 8)), List.of(), "", List.of(), SourceType.ANY, List.of(), List.of())),
                fc("net10.1", m(0, List.of(cidr("10.1.0.0", 16)), List.of(), "", List.of(), SourceType.ANY, List.of(), List.of())),
                fc("all0", m(0, List.of(cidr("0.0.0.0", 0)), List.of(), "raw_buffer", List.of(), SourceType.ANY, List.of(), List.of()))),
                fc("default", any()));
        run(sel, List.of(
                c("10.1.2.3", 80, null, "raw_buffer", List.of(), "1.1.1.1", 1, "port80"),
                c("10.1.2.3", 81, null, "raw_buffer", List.of(), "1.1.1.1", 1, "net10.1"),
                c("10.2.2.3", 81, null, "raw_buffer", List.of(), "1.1.1.1", 1, "net10"),
                c("192.168.0.1", 81, null, "raw_buffer", List.of(), "1.1.1.1", 1, "all0"),
                // 0.0.0.0/0 is chosen at the IP step, then fails transport: no backtracking.
                c("192.168.0.1", 81, null, "tls", List.of(), "1.1.1.1", 1, "default")));
    }

    @Test
    void serverNamesExactThenWildcardLongestFirst() throws Exception {
        FilterChainSelector sel = new FilterChainSelector(List.of(
                fc("exact", m(0, List.of(), List.of("www.example.com"), "", List.of(), SourceType.ANY, List.of(), List.of())),
                fc("wild", m(0, List.of(), List.of("*.example.com"), "", List.of(), SourceType.ANY, List.of(), List.of())),
                fc("wildcom", m(0, List.of(), List.of("*.com"), "", List.of(), SourceType.ANY, List.of(), List.of())),
                fc("nosni", any())), null);
        run(sel, List.of(
                c("1.2.3.4", 443, "www.example.com", "tls", List.of(), "5.6.7.8", 1, "exact"),
                c("1.2.3.4", 443, "api.example.com", "tls", List.of(), "5.6.7.8", 1, "wild"),
                c("1.2.3.4", 443, "a.b.example.com", "tls", List.of(), "5.6.7.8", 1, "wild"),
                c("1.2.3.4", 443, "foo.com", "tls", List.of(), "5.6.7.8", 1, "wildcom"),
                c("1.2.3.4", 443, "foo.org", "tls", List.of(), "5.6.7.8", 1, "nosni"),
                c("1.2.3.4", 443, null, "raw_buffer", List.of(), "5.6.7.8", 1, "nosni")));
    }

    @Test
    void transportAndApplicationProtocols() throws Exception {
        FilterChainSelector sel = new FilterChainSelector(List.of(
                fc("tls-h2", m(0, List.of(), List.of(), "tls", List.of("h2"), SourceType.ANY, List.of(), List.of())),
                fc("tls", m(0, List.of(), List.of(), "tls", List.of(), SourceType.ANY, List.of(), List.of())),
                fc("http", m(0, List.of(), List.of(), "raw_buffer", List.of("http/1.1", "h2c"), SourceType.ANY, List.of(), List.of())),
                fc("raw", m(0, List.of(), List.of(), "raw_buffer", List.of(), SourceType.ANY, List.of(), List.of()))), null);
        run(sel, List.of(
                c("1.2.3.4", 443, null, "tls", List.of("h2", "http/1.1"), "5.6.7.8", 1, "tls-h2"),
                c("1.2.3.4", 443, null, "tls", List.of("http/1.1"), "5.6.7.8", 1, "tls"),
                c("1.2.3.4", 80, null, "raw_buffer", List.of("h2c"), "5.6.7.8", 1, "http"),
                c("1.2.3.4", 80, null, "raw_buffer", List.of(), "5.6.7.8", 1, "raw")));
    }

    @Test
    void sourceTypeRangesAndPorts() throws Exception {
        FilterChainSelector sel = new FilterChainSelector(List.of(
                fc("local", m(0, List.of(), List.of(), "", List.of(), SourceType.SAME_IP_OR_LOOPBACK, List.of(), List.of())),
                fc("ext-10-port", m(0, List.of(), List.of(), "", List.of(), SourceType.EXTERNAL,
                        List.of(cidr("10.0.0.0", 8)), List.of(5000))),
                fc("ext-10", m(0, List.of(), List.of(), "", List.of(), SourceType.EXTERNAL, List.of(cidr("10.0.0.0", 8)), List.of())),
                fc("ext", m(0, List.of(), List.of(), "", List.of(), SourceType.EXTERNAL, List.of(), List.of()))), null);
        run(sel, List.of(
                c("1.2.3.4", 80, null, "raw_buffer", List.of(), "127.0.0.1", 1, "local"),
                c("1.2.3.4", 80, null, "raw_buffer", List.of(), "1.2.3.4", 1, "local"),
                c("1.2.3.4", 80, null, "raw_buffer", List.of(), "10.9.9.9", 5000, "ext-10-port"),
                c("1.2.3.4", 80, null, "raw_buffer", List.of(), "10.9.9.9", 5001, "ext-10"),
                c("1.2.3.4", 80, null, "raw_buffer", List.of(), "11.9.9.9", 5001, "ext")));
    }

    @Test
    void noMatchWithoutDefaultIsNull() throws Exception {
        FilterChainSelector sel = new FilterChainSelector(List.of(
                fc("only80", m(80, List.of(), List.of(), "", List.of(), SourceType.ANY, List.of(), List.of()))), null);
        run(sel, List.of(
                c("1.2.3.4", 80, null, "raw_buffer", List.of(), "5.6.7.8", 1, "only80"),
                c("1.2.3.4", 81, null, "raw_buffer", List.of(), "5.6.7.8", 1, null)));
    }

    @Test
    void ipv6Prefixes() throws Exception {
        FilterChainSelector sel = new FilterChainSelector(List.of(
                fc("v6", m(0, List.of(cidr("fd00::", 8)), List.of(), "", List.of(), SourceType.ANY, List.of(), List.of())),
                fc("v4", m(0, List.of(cidr("10.0.0.0", 8)), List.of(), "", List.of(), SourceType.ANY, List.of(), List.of()))),
                fc("default", any()));
        run(sel, List.of(
                c("fd12::1", 80, null, "raw_buffer", List.of(), "::1", 1, "v6"),
                c("10.0.0.1", 80, null, "raw_buffer", List.of(), "::1", 1, "v4"),
                c("fe80::1", 80, null, "raw_buffer", List.of(), "::1", 1, "default")));
    }

    /** The chain for a PROXY-protocol connection whose socket peer is {@code direct} and client {@code src}. */
    private static String proxied(FilterChainSelector sel, String direct, String src) throws Exception {
        FilterChainConfig got = sel.select(new FilterChainSelector.Input(InetAddress.getByName("10.0.0.1"), 80, null,
                "raw_buffer", List.of(), InetAddress.getByName(src), 1, InetAddress.getByName(direct)));
        return got == null ? null : got.name();
    }

    @Test
    void directSourceComesAfterApplicationProtocolsAndBeforeSourceTypeAndSourceIp() throws Exception {
        FilterChainMatch direct = new FilterChainMatch(0, List.of(), List.of(), "", List.of(), SourceType.ANY,
                List.of(), List.of(), List.of(cidr("192.168.0.0", 16)));
        FilterChainMatch narrowDirect = new FilterChainMatch(0, List.of(), List.of(), "", List.of(), SourceType.ANY,
                List.of(), List.of(), List.of(cidr("192.168.1.0", 24)));
        FilterChainSelector sel = new FilterChainSelector(List.of(
                fc("direct", direct),
                fc("direct-24", narrowDirect),
                fc("local", m(0, List.of(), List.of(), "", List.of(), SourceType.SAME_IP_OR_LOOPBACK, List.of(),
                        List.of())),
                fc("src", m(0, List.of(), List.of(), "", List.of(), SourceType.ANY, List.of(cidr("10.9.0.0", 16)),
                        List.of()))), fc("default", any()));
        assertEquals("direct", proxied(sel, "192.168.2.2", "127.0.0.1"), "over a loopback client's source type");
        assertEquals("direct-24", proxied(sel, "192.168.1.2", "10.9.1.1"), "the longest direct prefix");
        assertEquals("src", proxied(sel, "172.16.0.1", "10.9.1.1"), "the client's address is not the direct one");
        assertEquals("local", proxied(sel, "10.9.1.1", "127.0.0.1"));
        // No backtracking: a direct match leaves only chains that match the later steps or the default.
        FilterChainSelector withPort = new FilterChainSelector(List.of(
                fc("direct-port", new FilterChainMatch(0, List.of(), List.of(), "", List.of(), SourceType.ANY,
                        List.of(), List.of(5), List.of(cidr("192.168.0.0", 16)))),
                fc("any", any())), null);
        assertEquals(null, proxied(withPort, "192.168.2.2", "10.9.1.1"));
    }
}
