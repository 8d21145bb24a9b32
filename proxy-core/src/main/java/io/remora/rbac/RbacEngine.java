package io.remora.rbac;

/**
 * What an RBAC filter's {@code rules} or {@code matcher} (and their shadow twins) decide for a
 * connection or request.
 */
public sealed interface RbacEngine permits RbacPolicyEngine, RbacMatcherEngine {

    /** {@code config.rbac.v3.RBAC.Action}. */
    enum Action { ALLOW, DENY, LOG }

    /**
     * @param allowed  whether the request may pass (LOG always allows)
     * @param policyId the name of the first policy (or matcher action) that matched, or null when none did
     * @param logHint  what an enforcing filter leaves as {@code envoy.common/access_log_hint}, or null
     *                 when it leaves nothing (no LOG in play, or a matcher that matched nothing)
     */
    record Decision(boolean allowed, String policyId, Boolean logHint) {
        public boolean matched() {
            return policyId != null;
        }
    }

    Decision evaluate(RbacInput in);
}
