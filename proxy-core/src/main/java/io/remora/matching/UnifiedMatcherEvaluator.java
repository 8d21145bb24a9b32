package io.remora.matching;

import io.remora.config.MatchInput;
import io.remora.config.UnifiedMatcher;
import io.remora.config.UnifiedMatcher.OnMatch;
import io.remora.config.UnifiedMatcher.Predicate;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A {@link UnifiedMatcher} compiled for evaluation, as Envoy's matcher does: a map or range hit
 * whose on_match yields no action (a nested matcher that found nothing) falls back to the less
 * specific hits (prefix map, non-exclusive IP ranges), then to the enclosing on_no_match; a list
 * tries its field matchers in order. An input without a value matches no key and goes to
 * on_no_match; an input that is not available at all ends the evaluation with no action.
 */
public final class UnifiedMatcherEvaluator<A> {

    /** A node's result besides an action and null (no match): the data could not be matched. */
    private static final Object UNABLE = new Object();
    private static final int FALSE = 0;
    private static final int TRUE = 1;
    private static final int UNKNOWN = -1;

    private interface Node {
        /** An action, null (no match, on_no_match included), or {@link #UNABLE}. */
        Object match(MatchingData in);
    }

    private interface PredicateTest {
        /** {@link #TRUE}, {@link #FALSE} or {@link #UNKNOWN}. */
        int test(MatchingData in);
    }

    private record Step(Node nested, Object action) {
        Object eval(MatchingData in) {
            return action != null ? action : nested.match(in);
        }
    }

    private final Node root;

    public UnifiedMatcherEvaluator(UnifiedMatcher<A> matcher) {
        this.root = compile(matcher, Function.identity());
    }

    private UnifiedMatcherEvaluator(Node root) {
        this.root = root;
    }

    /**
     * An evaluator whose actions are {@code actions} applied once, here, to the config's (a runtime
     * object built from each config action, so that a match costs no lookup). Null results are
     * not allowed: a step with a null action would read as no match.
     */
    public static <C, A> UnifiedMatcherEvaluator<A> mapped(UnifiedMatcher<C> matcher,
                                                            Function<? super C, ? extends A> actions) {
        return new UnifiedMatcherEvaluator<>(compile(matcher, actions));
    }

    /** The action the matcher picks, or null when it picks none. */
    @SuppressWarnings("unchecked")
    public A match(MatchingData in) {
        Object r = root.match(in);
        return r == UNABLE ? null : (A) r;
    }

    /**
     * As {@link #match(MatchingData)}, but telling "no match" (null) apart from "cannot tell yet"
     * ({@code unable}: an input the matcher needed is not available), for a caller that evaluates
     * again as more of a stream arrives (Envoy's MatchState incomplete).
     */
    @SuppressWarnings("unchecked")
    public A match(MatchingData in, A unable) {
        Object r = root.match(in);
        return r == UNABLE ? unable : (A) r;
    }

    private static Step step(OnMatch<?> om, Function<Object, ?> actions) {
        if (om == null) {
            return null;
        }
        return om.action() != null ? new Step(null, java.util.Objects.requireNonNull(actions.apply(om.action())))
                : new Step(compile(om.matcher(), actions), null);
    }

    private static Object orElse(Step onNoMatch, MatchingData in) {
        return onNoMatch == null ? null : onNoMatch.eval(in);
    }

    @SuppressWarnings("unchecked")
    private static Node compile(UnifiedMatcher<?> m, Function<?, ?> mapper) {
        Function<Object, ?> actions = (Function<Object, ?>) mapper;
        Step onNoMatch = step(m.onNoMatch(), actions);
        if (m instanceof UnifiedMatcher.ExactTree<?> t) {
            Map<String, Step> map = new HashMap<>();
            t.map().forEach((k, v) -> map.put(k, step(v, actions)));
            MatchInput input = t.input();
            return in -> {
                if (!in.available(input)) {
                    return UNABLE;
                }
                String v = in.value(input);
                Step s = v == null ? null : map.get(v);
                Object r = s == null ? null : s.eval(in);
                return r != null ? r : orElse(onNoMatch, in);
            };
        }
        if (m instanceof UnifiedMatcher.PrefixTree<?> t) {
            List<Map.Entry<String, Step>> entries = new ArrayList<>();
            t.map().forEach((k, v) -> entries.add(Map.entry(k, step(v, actions))));
            entries.sort(Comparator.comparingInt((Map.Entry<String, Step> e) -> e.getKey().length()).reversed());
            MatchInput input = t.input();
            return in -> {
                if (!in.available(input)) {
                    return UNABLE;
                }
                String v = in.value(input);
                if (v != null) {
                    for (Map.Entry<String, Step> e : entries) {
                        if (v.startsWith(e.getKey())) {
                            Object r = e.getValue().eval(in);
                            if (r != null) {
                                return r;
                            }
                        }
                    }
                }
                return orElse(onNoMatch, in);
            };
        }
        if (m instanceof UnifiedMatcher.IpTree<?> t) {
            record Range(CompiledCidr cidr, Step step, boolean exclusive) {
            }
            List<Range> ranges = new ArrayList<>();
            for (UnifiedMatcher.RangeMatcher<?> rm : t.rangeMatchers()) {
                Step s = step(rm.onMatch(), actions);
                for (CompiledCidr c : CompiledCidr.of(rm.ranges())) {
                    ranges.add(new Range(c, s, rm.exclusive()));
                }
            }
            // Most specific first; equal lengths keep config order.
            ranges.sort(Comparator.comparingInt((Range r) -> r.cidr().len()).reversed());
            MatchInput input = t.input();
            return in -> {
                if (!in.available(input)) {
                    return UNABLE;
                }
                InetAddress ip = in.address(input);
                if (ip != null) {
                    byte[] addr = ip.getAddress();
                    for (Range r : ranges) {
                        if (r.cidr().contains(addr)) {
                            Object res = r.step().eval(in);
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
        UnifiedMatcher.MatcherList<?> list = (UnifiedMatcher.MatcherList<?>) m;
        record Field(PredicateTest test, Step step) {
        }
        List<Field> fields = new ArrayList<>();
        for (UnifiedMatcher.FieldMatcher<?> fm : list.matchers()) {
            fields.add(new Field(predicate(fm.predicate()), step(fm.onMatch(), actions)));
        }
        return in -> {
            for (Field f : fields) {
                int t = f.test().test(in);
                if (t == UNKNOWN) {
                    return UNABLE;
                }
                if (t == TRUE) {
                    Object r = f.step().eval(in);
                    if (r != null) {
                        return r;
                    }
                }
            }
            return orElse(onNoMatch, in);
        };
    }

    private static PredicateTest predicate(Predicate p) {
        if (p instanceof UnifiedMatcher.Single s) {
            MatchInput input = s.input();
            if (s.cidrs() != null && !s.cidrs().isEmpty()) {
                List<CompiledCidr> cidrs = CompiledCidr.of(s.cidrs());
                return in -> {
                    if (!in.available(input)) {
                        return UNKNOWN;
                    }
                    InetAddress ip = in.address(input);
                    if (ip == null) {
                        return FALSE;
                    }
                    byte[] addr = ip.getAddress();
                    for (CompiledCidr c : cidrs) {
                        if (c.contains(addr)) {
                            return TRUE;
                        }
                    }
                    return FALSE;
                };
            }
            var matcher = s.value();
            return in -> {
                if (!in.available(input)) {
                    return UNKNOWN;
                }
                String v = in.value(input);
                return v != null && matcher.matches(v) ? TRUE : FALSE;
            };
        }
        if (p instanceof UnifiedMatcher.Custom c) {
            MatchInput input = c.input();
            InputMatcher matcher = c.matcher();
            return in -> !in.available(input) ? UNKNOWN : matcher.matches(input, in) ? TRUE : FALSE;
        }
        if (p instanceof UnifiedMatcher.Or or) {
            List<PredicateTest> ps = or.predicates().stream().map(UnifiedMatcherEvaluator::predicate).toList();
            return in -> {
                boolean unknown = false;
                for (PredicateTest t : ps) {
                    int r = t.test(in);
                    if (r == TRUE) {
                        return TRUE;
                    }
                    unknown |= r == UNKNOWN;
                }
                return unknown ? UNKNOWN : FALSE;
            };
        }
        if (p instanceof UnifiedMatcher.And and) {
            List<PredicateTest> ps = and.predicates().stream().map(UnifiedMatcherEvaluator::predicate).toList();
            return in -> {
                for (PredicateTest t : ps) {
                    int r = t.test(in);
                    if (r != TRUE) {
                        return r;
                    }
                }
                return TRUE;
            };
        }
        PredicateTest inner = predicate(((UnifiedMatcher.Not) p).predicate());
        return in -> {
            int r = inner.test(in);
            return r == UNKNOWN ? UNKNOWN : 1 - r;
        };
    }
}
