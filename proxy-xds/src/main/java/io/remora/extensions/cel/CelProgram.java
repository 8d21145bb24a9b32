package io.remora.extensions.cel;

import com.google.common.primitives.UnsignedLong;
import com.google.protobuf.ByteString;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelVariableResolver;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One compiled expression. Evaluation errors (a missing attribute, a type mismatch) give null:
 * Envoy's callers treat them as "no value" (a filter or condition false, a formatter's {@code -},
 * Istio's {@code unknown}).
 */
public final class CelProgram {

    private static final Logger LOG = Logger.getLogger(CelProgram.class.getName());

    /** The expression as configured: programs compare by it, so a re-sent config equals the running one. */
    private final String source;
    private final CelRuntime.Program program;
    /** Why the expression can never evaluate (it did not check), or null. */
    private final String failure;

    CelProgram(String source, CelRuntime.Program program, String failure) {
        this.source = source;
        this.program = program;
        this.failure = failure;
    }

    /** The value, or null when evaluation fails. */
    public Object eval(CelVariableResolver attributes) {
        if (program == null) {
            return null;
        }
        try {
            return program.eval(attributes);
        } catch (CelEvaluationException | RuntimeException e) {
            if (LOG.isLoggable(Level.FINE)) {
                LOG.fine("CEL evaluation failed: " + e.getMessage());
            }
            return null;
        }
    }

    /** True only when the expression evaluates to the boolean true (Envoy's filters and RBAC conditions). */
    public boolean matches(CelVariableResolver attributes) {
        return Boolean.TRUE.equals(eval(attributes));
    }

    /** The value in Envoy's printed form, or null when evaluation fails. */
    public String print(CelVariableResolver attributes) {
        Object v = eval(attributes);
        return v == null ? null : print(v);
    }

    /** Envoy's {@code Expr::print}: strings and bytes as they are, numbers in decimal, the rest in CEL's text. */
    public static String print(Object v) {
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof ByteString b) {
            return b.toStringUtf8();
        }
        if (v instanceof UnsignedLong u) {
            return u.toString();
        }
        if (v instanceof java.time.Duration d) {
            return new java.math.BigDecimal(d.toNanos()).movePointLeft(9).stripTrailingZeros().toPlainString() + "s";
        }
        return String.valueOf(v);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CelProgram p && p.source.equals(source);
    }

    @Override
    public int hashCode() {
        return source.hashCode();
    }

    @Override
    public String toString() {
        return failure == null ? "CEL(" + source + ")" : "CEL(" + source + ", fails: " + failure + ")";
    }
}
