package io.remora.rbac;

/**
 * What one RBAC filter (or a per-route override) enforces: the enforced engine and the shadow
 * engine, each null when absent (no enforcement / no shadow evaluation).
 */
public record RbacRules(RbacEngine engine, RbacEngine shadowEngine) {

    /** Neither enforced nor shadow rules: everything passes (an empty per-route {@code RBACPerRoute}). */
    public static final RbacRules NONE = new RbacRules(null, null);

    /** Dynamic metadata keys of Envoy's RBAC filters. */
    public static final String SHADOW_EFFECTIVE_POLICY_ID = "shadow_effective_policy_id";
    public static final String SHADOW_ENGINE_RESULT = "shadow_engine_result";
    /** The HTTP filter's enforced result, under its {@code rules_stat_prefix}. */
    public static final String ENFORCED_EFFECTIVE_POLICY_ID = "enforced_effective_policy_id";
    public static final String ENFORCED_ENGINE_RESULT = "enforced_engine_result";
    public static final String ENGINE_RESULT_ALLOWED = "allowed";
    public static final String ENGINE_RESULT_DENIED = "denied";
    /** LOG action: {@code access_log_hint} in the namespace shared by every filter. */
    public static final String COMMON_NAMESPACE = "envoy.common";
    public static final String ACCESS_LOG_HINT = "access_log_hint";

    /** Envoy's response code details / connection termination details for a denial. */
    public static String deniedDetails(String policyId) {
        String id = policyId == null ? "none" : policyId;
        StringBuilder b = new StringBuilder(id.length() + 36).append("rbac_access_denied_matched_policy[");
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            // Envoy replaces whitespace so the access log keeps its field count.
            b.append(Character.isWhitespace(c) ? '_' : c);
        }
        return b.append(']').toString();
    }
}
