package io.remora.xds.translate;

import com.github.xds.core.v3.TypedExtensionConfig;
import com.github.xds.type.matcher.v3.IPMatcher;
import com.github.xds.type.matcher.v3.Matcher;
import com.google.protobuf.StringValue;
import io.envoyproxy.envoy.extensions.matching.common_inputs.network.v3.DynamicMetadataInput;
import io.envoyproxy.envoy.extensions.matching.common_inputs.network.v3.FilterStateInput;
import io.envoyproxy.envoy.extensions.matching.input_matchers.ip.v3.Ip;
import io.envoyproxy.envoy.type.matcher.v3.HttpRequestHeaderMatchInput;
import io.envoyproxy.envoy.type.matcher.v3.HttpRequestQueryParamMatchInput;
import io.envoyproxy.envoy.type.matcher.v3.HttpRequestTrailerMatchInput;
import io.envoyproxy.envoy.type.matcher.v3.HttpResponseHeaderMatchInput;
import io.envoyproxy.envoy.type.matcher.v3.HttpResponseTrailerMatchInput;
import io.remora.config.CidrRange;
import io.remora.config.MatchInput;
import io.remora.config.StringMatcher;
import io.remora.config.UnifiedMatcher;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * An {@code xds.type.matcher.v3.Matcher} into the core {@link UnifiedMatcher}. Trees (exact and
 * prefix maps, the IPMatcher custom matcher) and matcher lists (single predicates with string or
 * IP-range matchers or the input matchers of {@link InputMatcherTranslator}, and/or/not) nest in
 * any order. Each user says which inputs it admits (Envoy
 * validates them per use: a listener's {@code filter_chain_matcher} takes the network inputs, the
 * RBAC filters their own lists) and how its actions read.
 */
public final class UnifiedMatcherTranslator<A> {

    private static final String NET = "envoy.extensions.matching.common_inputs.network.v3.";
    private static final String SSL = "envoy.extensions.matching.common_inputs.ssl.v3.";
    private static final String HEADER_INPUT = "envoy.type.matcher.v3.HttpRequestHeaderMatchInput";
    private static final String QUERY_PARAM_INPUT = "envoy.type.matcher.v3.HttpRequestQueryParamMatchInput";
    /** The header inputs whose data arrives later in a stream, by their input kind. */
    private static final Map<String, MatchInput.Kind> LATER_HEADER_INPUTS = Map.of(
            "envoy.type.matcher.v3.HttpRequestTrailerMatchInput", MatchInput.Kind.REQUEST_TRAILER,
            "envoy.type.matcher.v3.HttpResponseHeaderMatchInput", MatchInput.Kind.RESPONSE_HEADER,
            "envoy.type.matcher.v3.HttpResponseTrailerMatchInput", MatchInput.Kind.RESPONSE_TRAILER);
    private static final String IP_MATCHER = "xds.type.matcher.v3.IPMatcher";
    private static final String IP_INPUT_MATCHER = "envoy.extensions.matching.input_matchers.ip.v3.Ip";

    /** The network inputs a listener's filter chain matcher may use. */
    public static final Set<MatchInput.Kind> FILTER_CHAIN_INPUTS = EnumSet.of(MatchInput.Kind.DESTINATION_IP,
            MatchInput.Kind.DESTINATION_PORT, MatchInput.Kind.SOURCE_IP, MatchInput.Kind.SOURCE_PORT,
            MatchInput.Kind.DIRECT_SOURCE_IP, MatchInput.Kind.SOURCE_TYPE, MatchInput.Kind.SERVER_NAME,
            MatchInput.Kind.TRANSPORT_PROTOCOL, MatchInput.Kind.APPLICATION_PROTOCOL);

    /** Reads one action ({@code on_match.action}) of a matcher. */
    public interface ActionReader<A> {
        A read(TypedExtensionConfig action, FieldPath path);
    }

    private final Set<MatchInput.Kind> inputs;
    private final UnaryOperator<String> inputRefusal;
    private final ActionReader<A> actions;

    /**
     * @param inputs       the inputs this matcher may use
     * @param inputRefusal the error for any other input, given its type name
     * @param actions      how the actions read
     */
    public UnifiedMatcherTranslator(Set<MatchInput.Kind> inputs, UnaryOperator<String> inputRefusal,
                                    ActionReader<A> actions) {
        this.inputs = Set.copyOf(inputs);
        this.inputRefusal = inputRefusal;
        this.actions = actions;
    }

    /**
     * A listener's {@code filter_chain_matcher}: actions name filter chains (a
     * {@code google.protobuf.StringValue}, or the action's name); every name is added to chainNames
     * so the listener can check it.
     */
    public static UnifiedMatcher<String> filterChains(Matcher m, FieldPath path, Set<String> chainNames) {
        return new UnifiedMatcherTranslator<String>(FILTER_CHAIN_INPUTS,
                type -> "unsupported filter chain matcher input '" + type + "'",
                (action, ap) -> {
                    String name;
                    if (action.hasTypedConfig()) {
                        if (!Protos.typeName(action.getTypedConfig()).equals("google.protobuf.StringValue")) {
                            throw ap.field("typed_config").error("a filter chain matcher's action must be a"
                                    + " google.protobuf.StringValue naming a filter chain, not "
                                    + Protos.typeName(action.getTypedConfig()));
                        }
                        name = Protos.unpack(action.getTypedConfig(), StringValue.class, ap.field("typed_config"))
                                .getValue();
                    } else {
                        name = action.getName();
                    }
                    if (name.isEmpty()) {
                        throw ap.error("names no filter chain");
                    }
                    chainNames.add(name);
                    return name;
                }).translate(m, path);
    }

    public UnifiedMatcher<A> translate(Matcher m, FieldPath path) {
        return matcher(m, path);
    }

    private UnifiedMatcher<A> matcher(Matcher m, FieldPath path) {
        UnifiedMatcher.OnMatch<A> onNoMatch = m.hasOnNoMatch()
                ? onMatch(m.getOnNoMatch(), path.field("on_no_match")) : null;
        if (m.hasMatcherTree()) {
            return tree(m.getMatcherTree(), path.field("matcher_tree"), onNoMatch);
        }
        if (m.hasMatcherList()) {
            FieldPath lp = path.field("matcher_list").field("matchers");
            if (m.getMatcherList().getMatchersCount() == 0) {
                throw lp.error("must have at least one matcher");
            }
            List<UnifiedMatcher.FieldMatcher<A>> fields = new ArrayList<>();
            for (int i = 0; i < m.getMatcherList().getMatchersCount(); i++) {
                var fm = m.getMatcherList().getMatchers(i);
                FieldPath fp = lp.index(i);
                if (!fm.hasPredicate()) {
                    throw fp.field("predicate").error("missing required field");
                }
                if (!fm.hasOnMatch()) {
                    throw fp.field("on_match").error("missing required field");
                }
                fields.add(new UnifiedMatcher.FieldMatcher<>(predicate(fm.getPredicate(), fp.field("predicate")),
                        onMatch(fm.getOnMatch(), fp.field("on_match"))));
            }
            return new UnifiedMatcher.MatcherList<>(List.copyOf(fields), onNoMatch);
        }
        // Neither tree nor list: only on_no_match decides (an empty list never matches).
        return new UnifiedMatcher.MatcherList<>(List.of(), onNoMatch);
    }

    private UnifiedMatcher<A> tree(Matcher.MatcherTree tree, FieldPath tp, UnifiedMatcher.OnMatch<A> onNoMatch) {
        if (!tree.hasInput()) {
            throw tp.field("input").error("missing required field");
        }
        MatchInput input = input(tree.getInput(), tp.field("input"));
        switch (tree.getTreeTypeCase()) {
            case EXACT_MATCH_MAP, PREFIX_MATCH_MAP -> {
                boolean exact = tree.hasExactMatchMap();
                FieldPath mp = tp.field(exact ? "exact_match_map" : "prefix_match_map").field("map");
                Map<String, Matcher.OnMatch> in = exact ? tree.getExactMatchMap().getMapMap()
                        : tree.getPrefixMatchMap().getMapMap();
                if (in.isEmpty()) {
                    throw mp.error("must have at least one entry");
                }
                Map<String, UnifiedMatcher.OnMatch<A>> map = new LinkedHashMap<>();
                for (Map.Entry<String, Matcher.OnMatch> e : in.entrySet()) {
                    map.put(e.getKey(), onMatch(e.getValue(), mp.key(e.getKey())));
                }
                return exact ? new UnifiedMatcher.ExactTree<>(input, Map.copyOf(map), onNoMatch)
                        : new UnifiedMatcher.PrefixTree<>(input, Map.copyOf(map), onNoMatch);
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
                List<UnifiedMatcher.RangeMatcher<A>> rms = new ArrayList<>();
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
                    rms.add(new UnifiedMatcher.RangeMatcher<>(List.copyOf(ranges),
                            onMatch(rm.getOnMatch(), rp.field("on_match")), rm.getExclusive()));
                }
                return new UnifiedMatcher.IpTree<>(input, List.copyOf(rms), onNoMatch);
            }
            default -> throw tp.error("missing required field: one of exact_match_map, prefix_match_map,"
                    + " custom_match");
        }
    }

    private UnifiedMatcher.Predicate predicate(Matcher.MatcherList.Predicate p, FieldPath path) {
        switch (p.getMatchTypeCase()) {
            case SINGLE_PREDICATE -> {
                var sp = p.getSinglePredicate();
                FieldPath sp0 = path.field("single_predicate");
                if (!sp.hasInput()) {
                    throw sp0.field("input").error("missing required field");
                }
                MatchInput input = input(sp.getInput(), sp0.field("input"));
                boolean celMatcher = sp.hasCustomMatch() && InputMatcherTranslator.CEL.equals(
                        Protos.typeName(sp.getCustomMatch().getTypedConfig()));
                // As Envoy's matcher factory: the CEL input feeds only the CEL matcher, which reads nothing else.
                if (celMatcher != (input.kind() == MatchInput.Kind.HTTP_ATTRIBUTES)) {
                    throw sp0.field(celMatcher ? "input" : sp.hasValueMatch() ? "value_match" : "custom_match")
                            .error("Unsupported data input type: the CEL matcher takes exactly the "
                                    + "HttpAttributesCelMatchInput");
                }
                if (sp.hasValueMatch()) {
                    return new UnifiedMatcher.Single(input, string(sp.getValueMatch(),
                            sp0.field("value_match")), List.of());
                }
                if (sp.hasCustomMatch()) {
                    FieldPath cp = sp0.field("custom_match").field("typed_config");
                    String type = Protos.typeName(sp.getCustomMatch().getTypedConfig());
                    if (!type.equals(IP_INPUT_MATCHER)) {
                        var custom = InputMatcherTranslator.translate(type, sp.getCustomMatch().getTypedConfig(), cp);
                        if (custom == null) {
                            throw cp.error("unsupported input matcher " + type + " (supported: "
                                    + InputMatcherTranslator.SUPPORTED + ")");
                        }
                        return new UnifiedMatcher.Custom(input, custom);
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
                    return new UnifiedMatcher.Single(input, null, List.copyOf(ranges));
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
                List<UnifiedMatcher.Predicate> ps = new ArrayList<>();
                for (int i = 0; i < list.getPredicateCount(); i++) {
                    ps.add(predicate(list.getPredicate(i), lp.index(i)));
                }
                return or ? new UnifiedMatcher.Or(List.copyOf(ps)) : new UnifiedMatcher.And(List.copyOf(ps));
            }
            case NOT_MATCHER -> {
                return new UnifiedMatcher.Not(predicate(p.getNotMatcher(), path.field("not_matcher")));
            }
            default -> throw path.error("missing required field: one of single_predicate, or_matcher,"
                    + " and_matcher, not_matcher");
        }
    }

    private UnifiedMatcher.OnMatch<A> onMatch(Matcher.OnMatch om, FieldPath path) {
        if (om.hasMatcher()) {
            return UnifiedMatcher.OnMatch.nested(matcher(om.getMatcher(), path.field("matcher")));
        }
        if (om.hasAction()) {
            return UnifiedMatcher.OnMatch.action(actions.read(om.getAction(), path.field("action")));
        }
        throw path.error("missing required field: one of matcher, action");
    }

    private static void requireIpInput(MatchInput input, FieldPath path) {
        if (!input.isAddress()) {
            throw path.error("an IP matcher needs an IP input (DestinationIPInput, SourceIPInput or"
                    + " DirectSourceIPInput), not " + input.kind());
        }
    }

    private MatchInput input(TypedExtensionConfig in, FieldPath path) {
        return dataInput(in.hasTypedConfig() ? in.getTypedConfig() : null, path);
    }

    /**
     * One data input on its own (a {@code TypedExtensionConfig} at {@code path} whose typed_config
     * is {@code config}, null when unset), refused with {@code inputRefusal} unless it is one of
     * this translator's inputs: for users that read an input's value without a matcher around it.
     */
    public MatchInput dataInput(com.google.protobuf.Any config, FieldPath path) {
        String type = config != null ? Protos.typeName(config) : "";
        FieldPath tp = path.field("typed_config");
        MatchInput input = switch (type) {
            case NET + "DestinationIPInput" -> MatchInput.DESTINATION_IP;
            case NET + "DestinationPortInput" -> MatchInput.DESTINATION_PORT;
            case NET + "SourceIPInput" -> MatchInput.SOURCE_IP;
            case NET + "SourcePortInput" -> MatchInput.SOURCE_PORT;
            case NET + "DirectSourceIPInput" -> MatchInput.DIRECT_SOURCE_IP;
            case NET + "SourceTypeInput" -> MatchInput.SOURCE_TYPE;
            case NET + "ServerNameInput" -> MatchInput.SERVER_NAME;
            case NET + "TransportProtocolInput" -> MatchInput.TRANSPORT_PROTOCOL;
            case NET + "ApplicationProtocolInput" -> MatchInput.APPLICATION_PROTOCOL;
            case SSL + "UriSanInput" -> MatchInput.URI_SAN;
            case SSL + "DnsSanInput" -> MatchInput.DNS_SAN;
            case SSL + "SubjectInput" -> MatchInput.SUBJECT;
            case NET + "DynamicMetadataInput" -> dynamicMetadata(
                    Protos.unpack(config, DynamicMetadataInput.class, tp), tp);
            case NET + "FilterStateInput" -> {
                String key = Protos.unpack(config, FilterStateInput.class, tp).getKey();
                yield key.isEmpty() ? null : MatchInput.filterState(key);
            }
            case "xds.type.matcher.v3.HttpAttributesCelMatchInput" -> MatchInput.HTTP_ATTRIBUTES;
            case "envoy.type.matcher.v3.HttpResponseStatusCodeMatchInput" -> MatchInput.RESPONSE_STATUS_CODE;
            case "envoy.type.matcher.v3.HttpResponseStatusCodeClassMatchInput" -> MatchInput.RESPONSE_STATUS_CODE_CLASS;
            case HEADER_INPUT -> {
                String name = Protos.unpack(config, HttpRequestHeaderMatchInput.class, tp).getHeaderName();
                yield name.isEmpty() ? null : MatchInput.requestHeader(name);
            }
            case QUERY_PARAM_INPUT -> {
                String name = Protos.unpack(config, HttpRequestQueryParamMatchInput.class, tp).getQueryParam();
                if (name.isEmpty()) {
                    throw tp.field("query_param").error("must not be empty");
                }
                yield MatchInput.queryParam(name);
            }
            default -> LATER_HEADER_INPUTS.containsKey(type) ? laterHeader(config, type, tp) : null;
        };
        if (input == null && (type.equals(NET + "FilterStateInput") || type.equals(HEADER_INPUT))) {
            throw tp.field(type.equals(HEADER_INPUT) ? "header_name" : "key").error("must not be empty");
        }
        if (input == null || !inputs.contains(input.kind())) {
            throw tp.error(inputRefusal.apply(type));
        }
        return input;
    }

    /** {@code DynamicMetadataInput}: a namespace and a path of struct keys, all required. */
    private static MatchInput dynamicMetadata(DynamicMetadataInput d, FieldPath tp) {
        if (d.getFilter().isEmpty()) {
            throw tp.field("filter").error("must not be empty");
        }
        if (d.getPathCount() == 0) {
            throw tp.field("path").error("must have at least 1 item");
        }
        List<String> keys = new ArrayList<>(d.getPathCount());
        for (int i = 0; i < d.getPathCount(); i++) {
            if (d.getPath(i).getKey().isEmpty()) {
                throw tp.field("path").index(i).field("key").error("must not be empty");
            }
            keys.add(d.getPath(i).getKey());
        }
        return MatchInput.dynamicMetadata(d.getFilter(), keys);
    }

    /** The trailer and response header inputs: each message has just a header_name. */
    private static MatchInput laterHeader(com.google.protobuf.Any config, String type, FieldPath tp) {
        MatchInput.Kind kind = LATER_HEADER_INPUTS.get(type);
        String name = switch (kind) {
            case REQUEST_TRAILER -> Protos.unpack(config, HttpRequestTrailerMatchInput.class, tp)
                    .getHeaderName();
            case RESPONSE_HEADER -> Protos.unpack(config, HttpResponseHeaderMatchInput.class, tp)
                    .getHeaderName();
            default -> Protos.unpack(config, HttpResponseTrailerMatchInput.class, tp).getHeaderName();
        };
        if (name.isEmpty()) {
            throw tp.field("header_name").error("must not be empty");
        }
        return MatchInput.header(kind, name);
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
