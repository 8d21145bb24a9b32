package io.remora.config;

import java.util.List;
import java.util.Map;

/**
 * A listener's {@code filter_chain_matcher}: an {@code xds.type.matcher.v3.Matcher} over the
 * network inputs of a connection whose actions name filter chains. Trees (exact map, prefix
 * map, IP ranges) and lists nest in any order; each level may have an {@code on_no_match}.
 * Evaluated once per accepted connection, after the listener filters.
 */
public sealed interface FilterChainMatcher {

    /** What the matcher does when nothing below it produced a chain; null: no match. */
    OnMatch onNoMatch();

    /** The connection facts Envoy's network matching inputs expose, by their input type. */
    enum Input {
        DESTINATION_IP, DESTINATION_PORT, SOURCE_IP, SOURCE_PORT, DIRECT_SOURCE_IP, SOURCE_TYPE, SERVER_NAME,
        TRANSPORT_PROTOCOL, APPLICATION_PROTOCOL
    }

    /** Exactly one of matcher (a nested matcher) and action (a filter chain name). */
    record OnMatch(FilterChainMatcher matcher, String action) {
        public static OnMatch action(String chain) {
            return new OnMatch(null, chain);
        }

        public static OnMatch nested(FilterChainMatcher m) {
            return new OnMatch(m, null);
        }
    }

    /** {@code matcher_tree} with {@code exact_match_map}. */
    record ExactTree(Input input, Map<String, OnMatch> map, OnMatch onNoMatch) implements FilterChainMatcher {
    }

    /** {@code matcher_tree} with {@code prefix_match_map}: longest matching prefix first. */
    record PrefixTree(Input input, Map<String, OnMatch> map, OnMatch onNoMatch) implements FilterChainMatcher {
    }

    /** {@code matcher_tree} with the {@code xds.type.matcher.v3.IPMatcher} custom matcher. */
    record IpTree(Input input, List<RangeMatcher> rangeMatchers, OnMatch onNoMatch) implements FilterChainMatcher {
    }

    /**
     * One {@code IPMatcher.RangeMatcher}.
     *
     * @param exclusive when its on_match yields nothing, less specific ranges are not tried
     */
    record RangeMatcher(List<CidrRange> ranges, OnMatch onMatch, boolean exclusive) {
    }

    /** {@code matcher_list}: the first field matcher whose predicate holds (and whose on_match yields) wins. */
    record MatcherList(List<FieldMatcher> matchers, OnMatch onNoMatch) implements FilterChainMatcher {
    }

    record FieldMatcher(Predicate predicate, OnMatch onMatch) {
    }

    /** {@code Matcher.MatcherList.Predicate}. */
    sealed interface Predicate {
    }

    /**
     * A single predicate: the input's value against a string matcher, or (the IP input
     * matcher {@code envoy.extensions.matching.input_matchers.ip.v3.Ip}) against CIDR ranges.
     * An input without a value (no SNI, a non-local source type) never matches.
     */
    record Single(Input input, StringMatcher value, List<CidrRange> cidrs) implements Predicate {
    }

    record Or(List<Predicate> predicates) implements Predicate {
    }

    record And(List<Predicate> predicates) implements Predicate {
    }

    record Not(Predicate predicate) implements Predicate {
    }
}
