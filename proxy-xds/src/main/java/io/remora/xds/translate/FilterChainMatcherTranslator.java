package io.remora.xds.translate;

import com.github.xds.type.matcher.v3.IPMatcher;
import com.github.xds.type.matcher.v3.Matcher;
import com.google.protobuf.StringValue;
import io.remora.config.CidrRange;
import io.remora.config.FilterChainMatch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Flattens a listener's {@code filter_chain_matcher} (an xDS matcher tree whose actions name
 * filter chains) into one {@link FilterChainMatch} per path from the root to an action.
 *
 * <p>That is exact when every path tests its inputs in the order Envoy's filter_chain_match
 * selection uses (destination port, destination IP, server name, transport protocol,
 * application protocol, source type, source IP, source port) and each enclosing on_no_match
 * is repeated at the specificity of every branch below it (done here): then "most specific
 * wins, no backtracking" and "map hit, else the most specific on_no_match" choose the same
 * chain. Trees that test inputs in another order, matcher lists, prefix maps and other inputs
 * are refused.
 */
public final class FilterChainMatcherTranslator {

    private static final String NET = "envoy.extensions.matching.common_inputs.network.v3.";
    private static final String[] STAGES = {
            "DestinationPortInput", "DestinationIPInput", "ServerNameInput", "TransportProtocolInput",
            "ApplicationProtocolInput", "SourceTypeInput", "SourceIPInput", "SourcePortInput"};
    private static final String IP_MATCHER = "xds.type.matcher.v3.IPMatcher";

    private FilterChainMatcherTranslator() {
    }

    /** The matches of each filter chain, by chain name, in the order the tree names them. */
    public static Map<String, List<FilterChainMatch>> flatten(Matcher m, FieldPath path) {
        Map<String, List<FilterChainMatch>> out = new LinkedHashMap<>();
        walk(m, new Partial(), -1, path, null, out);
        return out;
    }

    /**
     * The on_no_match that applies where a nested matcher fails without one of its own: the
     * most specific enclosing one, with its own fallback for when it fails in turn.
     */
    private record Fallback(Matcher.OnMatch onMatch, FieldPath path, Fallback outer) {
    }

    private static final class Partial {
        int port;
        List<CidrRange> ips = List.of();
        List<String> serverNames = List.of();
        String transport = "";
        List<String> alpn = List.of();
        FilterChainMatch.SourceType sourceType = FilterChainMatch.SourceType.ANY;
        List<CidrRange> sourceIps = List.of();
        List<Integer> sourcePorts = List.of();

        Partial copy() {
            Partial p = new Partial();
            p.port = port;
            p.ips = ips;
            p.serverNames = serverNames;
            p.transport = transport;
            p.alpn = alpn;
            p.sourceType = sourceType;
            p.sourceIps = sourceIps;
            p.sourcePorts = sourcePorts;
            return p;
        }

        FilterChainMatch toMatch() {
            return new FilterChainMatch(port, ips, serverNames, transport, alpn, sourceType, sourceIps, sourcePorts);
        }
    }

    private static void walk(Matcher m, Partial p, int lastStage, FieldPath path, Fallback inherited,
                             Map<String, List<FilterChainMatch>> out) {
        int stage = lastStage;
        // A branch whose nested matcher fails falls back to the most specific on_no_match, as
        // Envoy's matcher does; filter_chain_match does not backtrack, so that fallback is
        // repeated below each branch, at the branch's specificity.
        Fallback fallback = m.hasOnNoMatch() ? new Fallback(m.getOnNoMatch(), path.field("on_no_match"), inherited)
                : inherited;
        if (m.hasMatcherTree()) {
            FieldPath tp = path.field("matcher_tree");
            Matcher.MatcherTree tree = m.getMatcherTree();
            String input = tree.hasInput() ? Protos.typeName(tree.getInput().getTypedConfig()) : "";
            stage = stageOf(input, tp.field("input"));
            if (stage <= lastStage) {
                throw tp.field("input").error("this tree tests " + STAGES[stage] + " after " + STAGES[lastStage]
                        + "; Remora's filter chain selection (Envoy's filter_chain_match order: destination port,"
                        + " destination IP, server name, transport protocol, application protocol, source type,"
                        + " source IP, source port) cannot express that order");
            }
            switch (tree.getTreeTypeCase()) {
                case EXACT_MATCH_MAP -> {
                    FieldPath mp = tp.field("exact_match_map").field("map");
                    for (Map.Entry<String, Matcher.OnMatch> e : tree.getExactMatchMap().getMapMap().entrySet()) {
                        FieldPath ep = mp.key(e.getKey());
                        Partial q = p.copy();
                        constrain(q, stage, e.getKey(), ep);
                        onMatch(e.getValue(), q, stage, ep, fallback, out);
                    }
                }
                case CUSTOM_MATCH -> {
                    FieldPath cp = tp.field("custom_match");
                    String type = Protos.typeName(tree.getCustomMatch().getTypedConfig());
                    if (!type.equals(IP_MATCHER) || (stage != 1 && stage != 6)) {
                        throw cp.error("unsupported custom matcher " + type + " on " + STAGES[stage]);
                    }
                    IPMatcher ipm = Protos.unpack(tree.getCustomMatch().getTypedConfig(), IPMatcher.class,
                            cp.field("typed_config"));
                    for (int i = 0; i < ipm.getRangeMatchersCount(); i++) {
                        var rm = ipm.getRangeMatchers(i);
                        FieldPath rp = cp.field("typed_config").field("range_matchers").index(i);
                        List<CidrRange> ranges = new ArrayList<>();
                        for (var r : rm.getRangesList()) {
                            int max = r.getAddressPrefix().indexOf(':') >= 0 ? 128 : 32;
                            ranges.add(new CidrRange(r.getAddressPrefix(),
                                    r.hasPrefixLen() ? r.getPrefixLen().getValue() : max));
                        }
                        Partial q = p.copy();
                        if (stage == 1) {
                            q.ips = List.copyOf(ranges);
                        } else {
                            q.sourceIps = List.copyOf(ranges);
                        }
                        onMatch(rm.getOnMatch(), q, stage, rp.field("on_match"), fallback, out);
                    }
                }
                default -> throw tp.error("only exact_match_map and IPMatcher custom_match trees are supported");
            }
        } else if (m.hasMatcherList()) {
            throw path.field("matcher_list").error("matcher lists are not supported in filter_chain_matcher");
        }
        if (fallback != null) {
            onMatch(fallback.onMatch(), p.copy(), stage, fallback.path(), fallback.outer(), out);
        }
    }

    private static void onMatch(Matcher.OnMatch om, Partial p, int stage, FieldPath path, Fallback fallback,
                                Map<String, List<FilterChainMatch>> out) {
        if (om.hasMatcher()) {
            walk(om.getMatcher(), p, stage, path.field("matcher"), fallback, out);
        } else if (om.hasAction()) {
            var action = om.getAction();
            String name = action.getName();
            if (action.hasTypedConfig() && action.getTypedConfig().getTypeUrl().endsWith("google.protobuf.StringValue")) {
                name = Protos.unpack(action.getTypedConfig(), StringValue.class, path.field("action")).getValue();
            }
            List<FilterChainMatch> matches = out.computeIfAbsent(name, k -> new ArrayList<>());
            FilterChainMatch fcm = p.toMatch();
            if (!matches.contains(fcm)) {
                matches.add(fcm);
            }
        } else {
            throw path.error("missing required field: one of matcher, action");
        }
    }

    private static int stageOf(String input, FieldPath path) {
        if (input.startsWith(NET)) {
            String simple = input.substring(NET.length());
            for (int i = 0; i < STAGES.length; i++) {
                if (STAGES[i].equals(simple)) {
                    return i;
                }
            }
        }
        throw path.error("unsupported filter chain matcher input '" + input + "'");
    }

    private static void constrain(Partial q, int stage, String key, FieldPath path) {
        switch (stage) {
            case 0 -> q.port = port(key, path);
            case 1 -> q.ips = List.of(hostCidr(key));
            case 2 -> q.serverNames = List.of(key);
            case 3 -> q.transport = key;
            case 4 -> {
                // The input yields the ALPN list as quoted, comma-separated values: 'h2','http/1.1'.
                if (key.indexOf(',') >= 0) {
                    throw path.error("matching a list of several application protocols is not supported");
                }
                q.alpn = List.of(key.replace("'", ""));
            }
            case 5 -> q.sourceType = switch (key) {
                case "local" -> FilterChainMatch.SourceType.SAME_IP_OR_LOOPBACK;
                default -> throw path.error("unsupported source type '" + key + "'");
            };
            case 6 -> q.sourceIps = List.of(hostCidr(key));
            case 7 -> q.sourcePorts = List.of(port(key, path));
            default -> throw new IllegalStateException();
        }
    }

    private static CidrRange hostCidr(String ip) {
        return new CidrRange(ip, ip.indexOf(':') >= 0 ? 128 : 32);
    }

    private static int port(String key, FieldPath path) {
        try {
            int p = Integer.parseInt(key);
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException ignored) {
            // fall through
        }
        throw path.error("not a port: '" + key + "'");
    }
}
