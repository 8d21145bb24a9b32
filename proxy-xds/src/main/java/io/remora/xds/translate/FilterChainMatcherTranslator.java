package io.remora.xds.translate;

import com.github.xds.type.matcher.v3.IPMatcher;
import com.github.xds.type.matcher.v3.Matcher;
import com.google.protobuf.StringValue;
import io.envoyproxy.envoy.extensions.matching.input_matchers.ip.v3.Ip;
import io.remora.config.CidrRange;
import io.remora.config.FilterChainMatcher;
import io.remora.config.FilterChainMatcher.Input;
import io.remora.config.StringMatcher;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A listener's {@code filter_chain_matcher} ({@code xds.type.matcher.v3.Matcher}) into the core
 * model, which evaluates it at accept time. Trees (exact and prefix maps, the IPMatcher custom
 * matcher) and matcher lists (single predicates with string or IP-range matchers, and/or/not)
 * nest in any order, over every network input Envoy defines for filter chains except filter
 * state. The actions name filter chains; every name is collected so the listener can check it.
 */
public final class FilterChainMatcherTranslator {

    private static final String NET = "envoy.extensions.matching.common_inputs.network.v3.";
    private static final String IP_MATCHER = "xds.type.matcher.v3.IPMatcher";
    private static final String IP_INPUT_MATCHER = "envoy.extensions.matching.input_matchers.ip.v3.Ip";

    private FilterChainMatcherTranslator() {
    }

    /** The translated matcher; the chain names its actions use are added to actions. */
    public static FilterChainMatcher translate(Matcher m, FieldPath path, Set<String> actions) {
        return new FilterChainMatcherTranslator.Walk(actions).matcher(m, path);
    }

    private record Walk(Set<String> actions) {

        FilterChainMatcher matcher(Matcher m, FieldPath path) {
            FilterChainMatcher.OnMatch onNoMatch = m.hasOnNoMatch()
                    ? onMatch(m.getOnNoMatch(), path.field("on_no_match")) : null;
            if (m.hasMatcherTree()) {
                return tree(m.getMatcherTree(), path.field("matcher_tree"), onNoMatch);
            }
            if (m.hasMatcherList()) {
                FieldPath lp = path.field("matcher_list").field("matchers");
                if (m.getMatcherList().getMatchersCount() == 0) {
                    throw lp.error("must have at least one matcher");
                }
                List<FilterChainMatcher.FieldMatcher> fields = new ArrayList<>();
                for (int i = 0; i < m.getMatcherList().getMatchersCount(); i++) {
                    var fm = m.getMatcherList().getMatchers(i);
                    FieldPath fp = lp.index(i);
                    if (!fm.hasPredicate()) {
                        throw fp.field("predicate").error("missing required field");
                    }
                    if (!fm.hasOnMatch()) {
                        throw fp.field("on_match").error("missing required field");
                    }
                    fields.add(new FilterChainMatcher.FieldMatcher(predicate(fm.getPredicate(), fp.field("predicate")),
                            onMatch(fm.getOnMatch(), fp.field("on_match"))));
                }
                return new FilterChainMatcher.MatcherList(List.copyOf(fields), onNoMatch);
            }
            // Neither tree nor list: only on_no_match decides (an empty list never matches).
            return new FilterChainMatcher.MatcherList(List.of(), onNoMatch);
        }

        private FilterChainMatcher tree(Matcher.MatcherTree tree, FieldPath tp, FilterChainMatcher.OnMatch onNoMatch) {
            if (!tree.hasInput()) {
                throw tp.field("input").error("missing required field");
            }
            Input input = input(tree.getInput(), tp.field("input"));
            switch (tree.getTreeTypeCase()) {
                case EXACT_MATCH_MAP, PREFIX_MATCH_MAP -> {
                    boolean exact = tree.hasExactMatchMap();
                    FieldPath mp = tp.field(exact ? "exact_match_map" : "prefix_match_map").field("map");
                    Map<String, Matcher.OnMatch> in = exact ? tree.getExactMatchMap().getMapMap()
                            : tree.getPrefixMatchMap().getMapMap();
                    if (in.isEmpty()) {
                        throw mp.error("must have at least one entry");
                    }
                    Map<String, FilterChainMatcher.OnMatch> map = new LinkedHashMap<>();
                    for (Map.Entry<String, Matcher.OnMatch> e : in.entrySet()) {
                        map.put(e.getKey(), onMatch(e.getValue(), mp.key(e.getKey())));
                    }
                    return exact ? new FilterChainMatcher.ExactTree(input, Map.copyOf(map), onNoMatch)
                            : new FilterChainMatcher.PrefixTree(input, Map.copyOf(map), onNoMatch);
                }
                case CUSTOM_MATCH -> {
                    FieldPath cp = tp.field("custom_match");
                    String type = Protos.typeName(tree.getCustomMatch().getTypedConfig());
                    if (!type.equals(IP_MATCHER)) {
                        throw cp.field("typed_config").error("unsupported custom matcher " + type
                                + " (supported: " + IP_MATCHER + ")");
                    }
                    requireIpInput(input, tp.field("input"));
                    IPMatcher ipm = Protos.unpack(tree.getCustomMatch().getTypedConfig(), IPMatcher.class,
                            cp.field("typed_config"));
                    List<FilterChainMatcher.RangeMatcher> rms = new ArrayList<>();
                    for (int i = 0; i < ipm.getRangeMatchersCount(); i++) {
                        var rm = ipm.getRangeMatchers(i);
                        FieldPath rp = cp.field("typed_config").field("range_matchers").index(i);
                        if (!rm.hasOnMatch()) {
                            throw rp.field("on_match").error("missing required field");
                        }
                        List<CidrRange> ranges = new ArrayList<>();
                        for (int j = 0; j < rm.getRangesCount(); j++) {
                            ranges.add(cidr(rm.getRanges(j).getAddressPrefix(), rm.getRanges(j).hasPrefixLen(),
                                    rm.getRanges(j).getPrefixLen().getValue(), rp.field("ranges").index(j)));
                        }
                        rms.add(new FilterChainMatcher.RangeMatcher(List.copyOf(ranges),
                                onMatch(rm.getOnMatch(), rp.field("on_match")), rm.getExclusive()));
                    }
                    return new FilterChainMatcher.IpTree(input, List.copyOf(rms), onNoMatch);
                }
                default -> throw tp.error("missing required field: one of exact_match_map, prefix_match_map,"
                        + " custom_match");
            }
        }

        private FilterChainMatcher.Predicate predicate(Matcher.MatcherList.Predicate p, FieldPath path) {
            switch (p.getMatchTypeCase()) {
                case SINGLE_PREDICATE -> {
                    var sp = p.getSinglePredicate();
                    FieldPath sp0 = path.field("single_predicate");
                    if (!sp.hasInput()) {
                        throw sp0.field("input").error("missing required field");
                    }
                    Input input = input(sp.getInput(), sp0.field("input"));
                    if (sp.hasValueMatch()) {
                        return new FilterChainMatcher.Single(input, string(sp.getValueMatch(),
                                sp0.field("value_match")), List.of());
                    }
                    if (sp.hasCustomMatch()) {
                        FieldPath cp = sp0.field("custom_match").field("typed_config");
                        String type = Protos.typeName(sp.getCustomMatch().getTypedConfig());
                        if (!type.equals(IP_INPUT_MATCHER)) {
                            throw cp.error("unsupported input matcher " + type + " (supported: " + IP_INPUT_MATCHER + ")");
                        }
                        requireIpInput(input, sp0.field("input"));
                        Ip ip = Protos.unpack(sp.getCustomMatch().getTypedConfig(), Ip.class, cp);
                        if (ip.getCidrRangesCount() == 0) {
                            throw cp.field("cidr_ranges").error("must have at least one range");
                        }
                        List<CidrRange> ranges = new ArrayList<>();
                        for (int i = 0; i < ip.getCidrRangesCount(); i++) {
                            ranges.add(AddressTranslator.cidr(ip.getCidrRanges(i), cp.field("cidr_ranges").index(i)));
                        }
                        return new FilterChainMatcher.Single(input, null, List.copyOf(ranges));
                    }
                    throw sp0.error("missing required field: one of value_match, custom_match");
                }
                case OR_MATCHER, AND_MATCHER -> {
                    boolean or = p.hasOrMatcher();
                    FieldPath lp = path.field(or ? "or_matcher" : "and_matcher").field("predicate");
                    var list = or ? p.getOrMatcher() : p.getAndMatcher();
                    if (list.getPredicateCount() < 2) {
                        throw lp.error("must have at least 2 predicates");
                    }
                    List<FilterChainMatcher.Predicate> ps = new ArrayList<>();
                    for (int i = 0; i < list.getPredicateCount(); i++) {
                        ps.add(predicate(list.getPredicate(i), lp.index(i)));
                    }
                    return or ? new FilterChainMatcher.Or(List.copyOf(ps)) : new FilterChainMatcher.And(List.copyOf(ps));
                }
                case NOT_MATCHER -> {
                    return new FilterChainMatcher.Not(predicate(p.getNotMatcher(), path.field("not_matcher")));
                }
                default -> throw path.error("missing required field: one of single_predicate, or_matcher,"
                        + " and_matcher, not_matcher");
            }
        }

        private FilterChainMatcher.OnMatch onMatch(Matcher.OnMatch om, FieldPath path) {
            if (om.hasMatcher()) {
                return FilterChainMatcher.OnMatch.nested(matcher(om.getMatcher(), path.field("matcher")));
            }
            if (om.hasAction()) {
                var action = om.getAction();
                FieldPath ap = path.field("action");
                String name;
                if (action.hasTypedConfig()) {
                    if (!Protos.typeName(action.getTypedConfig()).equals("google.protobuf.StringValue")) {
                        throw ap.field("typed_config").error("a filter chain matcher's action must be a"
                                + " google.protobuf.StringValue naming a filter chain, not "
                                + Protos.typeName(action.getTypedConfig()));
                    }
                    name = Protos.unpack(action.getTypedConfig(), StringValue.class, ap.field("typed_config")).getValue();
                } else {
                    name = action.getName();
                }
                if (name.isEmpty()) {
                    throw ap.error("names no filter chain");
                }
                actions.add(name);
                return FilterChainMatcher.OnMatch.action(name);
            }
            throw path.error("missing required field: one of matcher, action");
        }
    }

    private static void requireIpInput(Input input, FieldPath path) {
        if (input != Input.DESTINATION_IP && input != Input.SOURCE_IP && input != Input.DIRECT_SOURCE_IP) {
            throw path.error("an IP matcher needs an IP input (DestinationIPInput, SourceIPInput or"
                    + " DirectSourceIPInput), not " + input);
        }
    }

    private static Input input(com.github.xds.core.v3.TypedExtensionConfig in, FieldPath path) {
        String type = in.hasTypedConfig() ? Protos.typeName(in.getTypedConfig()) : "";
        String simple = type.startsWith(NET) ? type.substring(NET.length()) : "";
        return switch (simple) {
            case "DestinationIPInput" -> Input.DESTINATION_IP;
            case "DestinationPortInput" -> Input.DESTINATION_PORT;
            case "SourceIPInput" -> Input.SOURCE_IP;
            case "SourcePortInput" -> Input.SOURCE_PORT;
            case "DirectSourceIPInput" -> Input.DIRECT_SOURCE_IP;
            case "SourceTypeInput" -> Input.SOURCE_TYPE;
            case "ServerNameInput" -> Input.SERVER_NAME;
            case "TransportProtocolInput" -> Input.TRANSPORT_PROTOCOL;
            case "ApplicationProtocolInput" -> Input.APPLICATION_PROTOCOL;
            default -> throw path.field("typed_config").error("unsupported filter chain matcher input '" + type + "'");
        };
    }

    private static CidrRange cidr(String prefix, boolean hasLen, int len, FieldPath path) {
        var b = io.envoyproxy.envoy.config.core.v3.CidrRange.newBuilder().setAddressPrefix(prefix);
        if (hasLen) {
            b.setPrefixLen(com.google.protobuf.UInt32Value.of(len));
        }
        return AddressTranslator.cidr(b.build(), path);
    }

    private static StringMatcher string(com.github.xds.type.matcher.v3.StringMatcher m, FieldPath path) {
        boolean ic = m.getIgnoreCase();
        return switch (m.getMatchPatternCase()) {
            case EXACT -> new StringMatcher.Exact(m.getExact(), ic);
            case PREFIX -> new StringMatcher.Prefix(nonEmpty(m.getPrefix(), path.field("prefix")), ic);
            case SUFFIX -> new StringMatcher.Suffix(nonEmpty(m.getSuffix(), path.field("suffix")), ic);
            case CONTAINS -> new StringMatcher.Contains(nonEmpty(m.getContains(), path.field("contains")), ic);
            case SAFE_REGEX -> new StringMatcher.Regex(StringMatcherTranslator.compile(m.getSafeRegex().getRegex(),
                    path.field("safe_regex").field("regex")));
            default -> throw path.error("missing required field: one of exact, prefix, suffix, contains, safe_regex");
        };
    }

    private static String nonEmpty(String v, FieldPath path) {
        if (v.isEmpty()) {
            throw path.error("must not be empty");
        }
        return v;
    }
}
