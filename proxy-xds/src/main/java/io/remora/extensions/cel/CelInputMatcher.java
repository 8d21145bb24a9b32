package io.remora.extensions.cel;

import com.github.xds.type.matcher.v3.CelMatcher;
import com.github.xds.type.v3.CelExpression;
import com.google.protobuf.InvalidProtocolBufferException;
import io.remora.config.MatchInput;
import io.remora.matching.InputMatcher;
import io.remora.matching.MatchingData;
import io.remora.rbac.RbacMatchingData;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;

/**
 * Envoy's {@code xds.type.matcher.v3.CelMatcher} over {@code HttpAttributesCelMatchInput}
 * (source/extensions/matching/input_matchers/cel_matcher): the expression sees Envoy's request,
 * connection and metadata attributes and matches only when it evaluates to true; an error or
 * another type is no match. Only RBAC's matching data carries those attributes, so elsewhere it
 * never matches (the other matchers refuse the input).
 */
public record CelInputMatcher(CelProgram program) implements InputMatcher {

    /** The matcher of {@code config}, whose {@code expr_match} is refused at {@code path} when unusable. */
    public static CelInputMatcher of(CelMatcher config, FieldPath path) {
        FieldPath ep = path.field("expr_match");
        if (!config.hasExprMatch()) {
            throw ep.error("missing required field");
        }
        return new CelInputMatcher(program(config.getExprMatch(), ep));
    }

    /** The program of an {@code xds.type.v3.CelExpression} at {@code ep}, refused there when unusable. */
    public static CelProgram program(CelExpression e, FieldPath ep) {
        // The canonical cel.expr messages share the v1alpha1 wire format, as Envoy's getExpr relies on.
        try {
            if (e.hasCelExprChecked()) {
                return CelEngine.checked(com.google.api.expr.v1alpha1.CheckedExpr.parseFrom(
                        e.getCelExprChecked().toByteString()), ep.field("cel_expr_checked"));
            }
            if (e.hasCelExprParsed()) {
                return CelEngine.parsed(com.google.api.expr.v1alpha1.ParsedExpr.parseFrom(
                        e.getCelExprParsed().toByteString()).getExpr(), ep.field("cel_expr_parsed"),
                        TranslationContext.lenient());
            }
        } catch (InvalidProtocolBufferException x) {
            throw ep.error("invalid CEL expression: " + x.getMessage());
        }
        return switch (e.getExprSpecifierCase()) {
            case CHECKED_EXPR -> CelEngine.checked(e.getCheckedExpr(), ep.field("checked_expr"));
            case PARSED_EXPR -> CelEngine.parsed(e.getParsedExpr().getExpr(), ep.field("parsed_expr"),
                    TranslationContext.lenient());
            default -> throw ep.error("missing required field: one of parsed_expr, checked_expr, "
                    + "cel_expr_parsed, cel_expr_checked");
        };
    }

    @Override
    public boolean matches(MatchInput input, MatchingData data) {
        if (!(data instanceof RbacMatchingData rbac)) {
            return false;
        }
        return program.matches(new CelAttributes(rbac.input().streamInfo(), rbac.input(), null, null));
    }
}
