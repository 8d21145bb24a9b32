package io.remora.rbac;

import java.util.function.Predicate;

/**
 * One named policy: it matches when any of its permissions and any of its principals match
 * (Envoy's PolicyMatcher; the lists arrive as {@link RbacMatcher.Or}) and its condition, when it
 * has one (a CEL expression, compiled by the translator), holds.
 */
public record RbacPolicy(String name, RbacMatcher permissions, RbacMatcher principals,
                         Predicate<RbacInput> condition) {

    public RbacPolicy(String name, RbacMatcher permissions, RbacMatcher principals) {
        this(name, permissions, principals, null);
    }

    public boolean matches(RbacInput in) {
        return permissions.matches(in) && principals.matches(in) && (condition == null || condition.test(in));
    }
}
