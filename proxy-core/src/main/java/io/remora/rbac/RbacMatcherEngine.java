package io.remora.rbac;

import io.remora.config.UnifiedMatcher;
import io.remora.matching.UnifiedMatcherEvaluator;

/**
 * Envoy's {@code RoleBasedAccessControlMatcherEngineImpl} ({@code matcher} / {@code shadow_matcher}):
 * the first action the matcher reaches decides (ALLOW and LOG allow, DENY denies) and its name is
 * the effective policy; when the matcher reaches none the request is denied. When any action of
 * the tree is LOG, every match leaves the access-log hint (true only for a LOG action).
 */
public final class RbacMatcherEngine implements RbacEngine {

    /** {@code envoy.config.rbac.v3.Action}: the matcher's action. */
    public record NamedAction(String name, Action action) {
    }

    private final UnifiedMatcherEvaluator<NamedAction> evaluator;
    private final boolean hasLog;

    public RbacMatcherEngine(UnifiedMatcher<NamedAction> matcher) {
        this.evaluator = new UnifiedMatcherEvaluator<>(matcher);
        this.hasLog = hasLog(matcher);
    }

    @Override
    public Decision evaluate(RbacInput in) {
        NamedAction a = evaluator.match(new RbacMatchingData(in));
        if (a == null) {
            return new Decision(false, null, null);
        }
        return new Decision(a.action() != Action.DENY, a.name(), hasLog ? a.action() == Action.LOG : null);
    }

    private static boolean hasLog(UnifiedMatcher<NamedAction> m) {
        if (m == null) {
            return false;
        }
        if (hasLog(m.onNoMatch())) {
            return true;
        }
        if (m instanceof UnifiedMatcher.ExactTree<NamedAction> t) {
            return t.map().values().stream().anyMatch(RbacMatcherEngine::hasLog);
        }
        if (m instanceof UnifiedMatcher.PrefixTree<NamedAction> t) {
            return t.map().values().stream().anyMatch(RbacMatcherEngine::hasLog);
        }
        if (m instanceof UnifiedMatcher.IpTree<NamedAction> t) {
            return t.rangeMatchers().stream().anyMatch(r -> hasLog(r.onMatch()));
        }
        return ((UnifiedMatcher.MatcherList<NamedAction>) m).matchers().stream().anyMatch(f -> hasLog(f.onMatch()));
    }

    private static boolean hasLog(UnifiedMatcher.OnMatch<NamedAction> om) {
        if (om == null) {
            return false;
        }
        return om.action() != null ? om.action().action() == Action.LOG : hasLog(om.matcher());
    }
}
