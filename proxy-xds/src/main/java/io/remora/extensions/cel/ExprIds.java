package io.remora.extensions.cel;

import com.google.api.expr.v1alpha1.Expr;

/**
 * Gives each node of a parsed expression its own id. Hand-written RBAC conditions leave ids out
 * (all 0), which Envoy's evaluator does not mind but cel-java's checker does: it keys types by id.
 */
final class ExprIds {

    private long next = 1;

    private ExprIds() {
    }

    static Expr renumber(Expr e) {
        return new ExprIds().visit(e);
    }

    private Expr visit(Expr e) {
        Expr.Builder b = e.toBuilder().setId(next++);
        switch (e.getExprKindCase()) {
            case SELECT_EXPR -> b.getSelectExprBuilder().setOperand(visit(e.getSelectExpr().getOperand()));
            case CALL_EXPR -> {
                Expr.Call.Builder c = b.getCallExprBuilder();
                if (e.getCallExpr().hasTarget()) {
                    c.setTarget(visit(e.getCallExpr().getTarget()));
                }
                for (int i = 0; i < c.getArgsCount(); i++) {
                    c.setArgs(i, visit(c.getArgs(i)));
                }
            }
            case LIST_EXPR -> {
                Expr.CreateList.Builder l = b.getListExprBuilder();
                for (int i = 0; i < l.getElementsCount(); i++) {
                    l.setElements(i, visit(l.getElements(i)));
                }
            }
            case STRUCT_EXPR -> {
                Expr.CreateStruct.Builder s = b.getStructExprBuilder();
                for (int i = 0; i < s.getEntriesCount(); i++) {
                    Expr.CreateStruct.Entry.Builder entry = s.getEntriesBuilder(i).setId(next++);
                    if (entry.hasMapKey()) {
                        entry.setMapKey(visit(entry.getMapKey()));
                    }
                    entry.setValue(visit(entry.getValue()));
                }
            }
            case COMPREHENSION_EXPR -> {
                Expr.Comprehension.Builder c = b.getComprehensionExprBuilder();
                c.setIterRange(visit(c.getIterRange())).setAccuInit(visit(c.getAccuInit()))
                        .setLoopCondition(visit(c.getLoopCondition())).setLoopStep(visit(c.getLoopStep()))
                        .setResult(visit(c.getResult()));
            }
            default -> {
                // constants and identifiers have no children
            }
        }
        return b.build();
    }
}
