package io.remora.listener;

import io.netty.util.NetUtil;
import io.remora.config.FilterChainMatcher;
import io.remora.config.FilterChainMatcher.Input;
import io.remora.config.FilterChainMatcher.OnMatch;
import io.remora.config.FilterChainMatcher.Predicate;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link FilterChainMatcher} compiled for accept time, evaluated as Envoy's matcher does:
 * a map or range hit whose on_match yields no chain (a nested matcher that found nothing)
 * falls back to the less specific hits (prefix map, non-exclusive IP ranges), then to the
 * enclosing on_no_match; a list tries its field matchers in order. An input without a value
 * (no SNI, a non-local source) matches no key and goes to on_no_match.
 */
public final class FilterChainMatcherEvaluator {

    private interface Node {
        /** The chain name, or null when this matcher (and its on_no_match) yields nothing. */
        String match(FilterChainSelector.Input in);
    }

    private record Step(Node nested, String action) {
        String eval(FilterChainSelector.Input in) {
            return action != null ? action : nested.match(in);
        }
    }

    private final Node root;

    public FilterChainMatcherEvaluator(FilterChainMatcher matcher) {
        this.root = compile(matcher);
    }

    /** The name of the chain the matcher picks, or null (the default chain applies). */
    public String match(FilterChainSelector.Input in) {
        return root.match(in);
    }

    private static Step step(OnMatch om) {
        if (om == null) {
            return null;
        }
        return om.action() != null ? new Step(null, om.action()) : new Step(compile(om.matcher()), null);
    }

    private static String orElse(Step onNoMatch, FilterChainSelector.Input in) {
        return onNoMatch == null ? null : onNoMatch.eval(in);
    }

    private static Node compile(FilterChainMatcher m) {
        Step onNoMatch = step(m.onNoMatch());
        if (m instanceof FilterChainMatcher.ExactTree t) {
            Map<String, Step> map = new HashMap<>();
            t.map().forEach((k, v) -> map.put(k, step(v)));
            Input input = t.input();
            return in -> {
                String v = value(input, in);
                Step s = v == null ? null : map.get(v);
                String r = s == null ? null : s.eval(in);
                return r != null ? r : orElse(onNoMatch, in);
            };
        }
        if (m instanceof FilterChainMatcher.PrefixTree t) {
            List<Map.Entry<String, Step>> entries = new ArrayList<>();
            t.map().forEach((k, v) -> entries.add(Map.entry(k, step(v))));
            entries.sort(Comparator.comparingInt((Map.Entry<String, Step> e) -> e.getKey().length()).reversed());
            Input input = t.input();
            return in -> {
                String v = value(input, in);
                if (v != null) {
                    for (Map.Entry<String, Step> e : entries) {
                        if (v.startsWith(e.getKey())) {
                            String r = e.getValue().eval(in);
                            if (r != null) {
                                return r;
                            }
                        }
                    }
                }
                return orElse(onNoMatch, in);
            };
        }
        if (m instanceof FilterChainMatcher.IpTree t) {
            record Range(CompiledCidr cidr, Step step, boolean exclusive) {
            }
            List<Range> ranges = new ArrayList<>();
            for (FilterChainMatcher.RangeMatcher rm : t.rangeMatchers()) {
                Step s = step(rm.onMatch());
                for (CompiledCidr c : FilterChainSelector.cidrs(rm.ranges())) {
                    ranges.add(new Range(c, s, rm.exclusive()));
                }
            }
            // Most specific first; equal lengths keep config order.
            ranges.sort(Comparator.comparingInt((Range r) -> r.cidr().len()).reversed());
            Input input = t.input();
            return in -> {
                InetAddress ip = ip(input, in);
                if (ip != null) {
                    byte[] addr = ip.getAddress();
                    for (Range r : ranges) {
                        if (r.cidr().contains(addr)) {
                            String res = r.step().eval(in);
                            if (res != null) {
                                return res;
                            }
                            if (r.exclusive()) {
                                break;
                            }
                        }
                    }
                }
                return orElse(onNoMatch, in);
            };
        }
        FilterChainMatcher.MatcherList list = (FilterChainMatcher.MatcherList) m;
        record Field(PredicateTest test, Step step) {
        }
        List<Field> fields = new ArrayList<>();
        for (FilterChainMatcher.FieldMatcher fm : list.matchers()) {
            fields.add(new Field(predicate(fm.predicate()), step(fm.onMatch())));
        }
        return in -> {
            for (Field f : fields) {
                if (f.test().test(in)) {
                    String r = f.step().eval(in);
                    if (r != null) {
                        return r;
                    }
                }
            }
            return orElse(onNoMatch, in);
        };
    }

    private interface PredicateTest {
        boolean test(FilterChainSelector.Input in);
    }

    private static PredicateTest predicate(Predicate p) {
        if (p instanceof FilterChainMatcher.Single s) {
            Input input = s.input();
            if (s.cidrs() != null && !s.cidrs().isEmpty()) {
                List<CompiledCidr> cidrs = FilterChainSelector.cidrs(s.cidrs());
                return in -> {
                    InetAddress ip = ip(input, in);
                    if (ip == null) {
                        return false;
                    }
                    byte[] addr = ip.getAddress();
                    for (CompiledCidr c : cidrs) {
                        if (c.contains(addr)) {
                            return true;
                        }
                    }
                    return false;
                };
            }
            var matcher = s.value();
            return in -> {
                String v = value(input, in);
                return v != null && matcher.matches(v);
            };
        }
        if (p instanceof FilterChainMatcher.Or or) {
            List<PredicateTest> ps = or.predicates().stream().map(FilterChainMatcherEvaluator::predicate).toList();
            return in -> {
                for (PredicateTest t : ps) {
                    if (t.test(in)) {
                        return true;
                    }
                }
                return false;
            };
        }
        if (p instanceof FilterChainMatcher.And and) {
            List<PredicateTest> ps = and.predicates().stream().map(FilterChainMatcherEvaluator::predicate).toList();
            return in -> {
                for (PredicateTest t : ps) {
                    if (!t.test(in)) {
                        return false;
                    }
                }
                return true;
            };
        }
        PredicateTest inner = predicate(((FilterChainMatcher.Not) p).predicate());
        return in -> !inner.test(in);
    }

    private static InetAddress ip(Input input, FilterChainSelector.Input in) {
        return switch (input) {
            case DESTINATION_IP -> in.destinationIp();
            case SOURCE_IP, DIRECT_SOURCE_IP -> in.sourceIp();
            default -> null;
        };
    }

    /** The input's value as Envoy's network inputs render it; null when it has none. */
    static String value(Input input, FilterChainSelector.Input in) {
        return switch (input) {
            case DESTINATION_IP, SOURCE_IP, DIRECT_SOURCE_IP -> {
                InetAddress ip = ip(input, in);
                yield ip == null ? null : NetUtil.toAddressString(ip);
            }
            case DESTINATION_PORT -> in.destinationPort() > 0 ? Integer.toString(in.destinationPort()) : null;
            case SOURCE_PORT -> in.sourcePort() > 0 ? Integer.toString(in.sourcePort()) : null;
            case SOURCE_TYPE -> FilterChainSelector.isLocalSource(in) ? "local" : null;
            case SERVER_NAME -> in.serverName() == null || in.serverName().isEmpty() ? null : in.serverName();
            case TRANSPORT_PROTOCOL -> in.transportProtocol() == null || in.transportProtocol().isEmpty()
                    ? null : in.transportProtocol();
            case APPLICATION_PROTOCOL -> {
                List<String> alpn = in.applicationProtocols();
                if (alpn == null || alpn.isEmpty()) {
                    yield null;
                }
                // Envoy's ApplicationProtocolInput: each protocol quoted, comma-separated.
                StringBuilder sb = new StringBuilder();
                for (String p : alpn) {
                    if (sb.length() > 0) {
                        sb.append(',');
                    }
                    sb.append('\'').append(p).append('\'');
                }
                yield sb.toString();
            }
        };
    }
}
