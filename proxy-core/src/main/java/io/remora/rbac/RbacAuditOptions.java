package io.remora.rbac;

/**
 * {@code config.rbac.v3.RBAC.audit_logging_options} of one rule set: on which decisions its
 * audit loggers run, and how many standard-output loggers ({@code StdoutAuditLog}) it has; each
 * writes its own line, as every configured logger is invoked.
 */
public record RbacAuditOptions(Condition condition, int stdoutLoggers) {

    /** {@code AuditCondition}: DENY and ALLOW are the engine's decisions, not its action. */
    public enum Condition { NONE, ON_DENY, ON_ALLOW, ON_DENY_AND_ALLOW }

    public RbacAuditOptions {
        if (stdoutLoggers < 0) {
            throw new IllegalArgumentException("stdoutLoggers must not be negative");
        }
    }

    /** Whether a decision of this kind is audited. */
    public boolean audits(boolean allowed) {
        return stdoutLoggers > 0 && switch (condition) {
            case NONE -> false;
            case ON_DENY -> !allowed;
            case ON_ALLOW -> allowed;
            case ON_DENY_AND_ALLOW -> true;
        };
    }
}
