package io.remora.rbac;

/**
 * One named policy: it matches when any of its permissions and any of its principals match
 * (Envoy's PolicyMatcher; the lists arrive as {@link RbacMatcher.Or}).
 */
public record RbacPolicy(String name, RbacMatcher permissions, RbacMatcher principals) {

    public boolean matches(RbacInput in) {
        return permissions.matches(in) && principals.matches(in);
    }
}
