package io.remora.config;

import java.util.List;
import java.util.Map;

/**
 * An {@code xds.type.matcher.v3.Matcher} (Envoy's unified matcher API) whose actions are of type
 * {@code A}: a listener's {@code filter_chain_matcher} (actions name filter chains) and the RBAC
 * filters' {@code matcher} / {@code shadow_matcher} (actions are named ALLOW / DENY / LOG). Trees
 * (exact map, prefix map, IP ranges) and lists nest in any order; each level may have an
 * {@code on_no_match}. Which inputs a matcher may use is up to its translator.
 */
public sealed interface UnifiedMatcher<A> {

    /** What the matcher does when nothing below it produced an action; null: no match. */
    OnMatch<A> onNoMatch();

    /** Exactly one of matcher (a nested matcher) and action. */
    record OnMatch<A>(UnifiedMatcher<A> matcher, A action) {
        public static <A> OnMatch<A> action(A action) {
            return new OnMatch<>(null, action);
        }

        public static <A> OnMatch<A> nested(UnifiedMatcher<A> m) {
            return new OnMatch<>(m, null);
        }
    }

    /** {@code matcher_tree} with {@code exact_match_map}. */
    record ExactTree<A>(MatchInput input, Map<String, OnMatch<A>> map, OnMatch<A> onNoMatch)
            implements UnifiedMatcher<A> {
    }

    /** {@code matcher_tree} with {@code prefix_match_map}: longest matching prefix first. */
    record PrefixTree<A>(MatchInput input, Map<String, OnMatch<A>> map, OnMatch<A> onNoMatch)
            implements UnifiedMatcher<A> {
    }

    /** {@code matcher_tree} with the {@code xds.type.matcher.v3.IPMatcher} custom matcher. */
    record IpTree<A>(MatchInput input, List<RangeMatcher<A>> rangeMatchers, OnMatch<A> onNoMatch)
            implements UnifiedMatcher<A> {
    }

    /**
     * One {@code IPMatcher.RangeMatcher}.
     *
     * @param exclusive when its on_match yields nothing, less specific ranges are not tried
     */
    record RangeMatcher<A>(List<CidrRange> ranges, OnMatch<A> onMatch, boolean exclusive) {
    }

    /** {@code matcher_list}: the first field matcher whose predicate holds (and whose on_match yields) wins. */
    record MatcherList<A>(List<FieldMatcher<A>> matchers, OnMatch<A> onNoMatch) implements UnifiedMatcher<A> {
    }

    record FieldMatcher<A>(Predicate predicate, OnMatch<A> onMatch) {
    }

    /** {@code Matcher.MatcherList.Predicate}. */
    sealed interface Predicate {
    }

    /**
     * A single predicate: the input's value against a string matcher, or (the IP input
     * matcher {@code envoy.extensions.matching.input_matchers.ip.v3.Ip}) against CIDR ranges.
     * An input without a value (no SNI, a non-local source type) never matches.
     */
    record Single(MatchInput input, StringMatcher value, List<CidrRange> cidrs) implements Predicate {
    }

    /**
     * A single predicate whose {@code custom_match} is one of the input matcher extensions
     * (consistent hashing, runtime fraction, metadata): the matcher reads the input itself.
     */
    record Custom(MatchInput input, io.remora.matching.InputMatcher matcher) implements Predicate {
    }

    record Or(List<Predicate> predicates) implements Predicate {
    }

    record And(List<Predicate> predicates) implements Predicate {
    }

    record Not(Predicate predicate) implements Predicate {
    }
}
