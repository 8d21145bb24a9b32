package io.remora.rbac;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Envoy's {@code RoleBasedAccessControlEngineImpl} ({@code rules}): policies are tried in the order of their
 * names (Envoy keeps them in a sorted map), the first that matches is the effective policy,
 * and the action turns "matched" into a decision. An engine with no policies matches nothing:
 * ALLOW then denies everything, DENY allows everything.
 */
public final class RbacPolicyEngine implements RbacEngine {

    private final Action action;
    private final RbacPolicy[] policies;
    private final RbacAuditOptions audit;

    public RbacPolicyEngine(Action action, List<RbacPolicy> policies) {
        this(action, policies, null);
    }

    /** @param audit its {@code audit_logging_options}, or null when none are set */
    public RbacPolicyEngine(Action action, List<RbacPolicy> policies, RbacAuditOptions audit) {
        this.action = action;
        this.audit = audit;
        List<RbacPolicy> sorted = new ArrayList<>(policies);
        sorted.sort(Comparator.comparing(RbacPolicy::name));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).name().equals(sorted.get(i - 1).name())) {
                throw new IllegalArgumentException("duplicate policy name '" + sorted.get(i).name() + "'");
            }
        }
        this.policies = sorted.toArray(new RbacPolicy[0]);
    }

    public Action action() {
        return action;
    }

    /** The audit options, or null. */
    public RbacAuditOptions audit() {
        return audit;
    }

    public List<RbacPolicy> policies() {
        return List.of(policies);
    }

    @Override
    public Decision evaluate(RbacInput in) {
        String matched = null;
        for (RbacPolicy p : policies) {
            if (p.matches(in)) {
                matched = p.name();
                break;
            }
        }
        boolean allowed = switch (action) {
            case ALLOW -> matched != null;
            case DENY -> matched == null;
            case LOG -> true;
        };
        return new Decision(allowed, matched, action == Action.LOG ? matched != null : null);
    }
}
