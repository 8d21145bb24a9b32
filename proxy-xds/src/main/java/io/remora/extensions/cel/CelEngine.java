package io.remora.extensions.cel;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelOptions;
import dev.cel.common.CelProtoV1Alpha1AbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.extensions.CelExtensions;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;

import java.util.List;

/**
 * Compiles CEL expressions (Google's cel-java) once, at translation time, into {@link CelProgram}s
 * over Envoy's attribute vocabulary ({@link CelAttributes}). The compiler and runtime are made on
 * first use (a holder class), so configs without CEL pay nothing for them.
 *
 * <p>Envoy's CEL (cel-cpp) only parses: a name it does not know fails when evaluated. cel-java
 * runs checked expressions only, so each is checked against the attribute roots declared as
 * dynamic maps; one that does not check (an unknown name, literals of clashing types) becomes a
 * program that always fails, as Envoy's would at each evaluation, with one warning. Syntax
 * errors are configuration errors, naming the field.
 */
public final class CelEngine {

    /** The attribute roots Envoy declares, and Istio's stats additions. */
    static final List<String> ROOTS = List.of("request", "response", "source", "destination", "connection",
            "upstream", "metadata", "filter_state", "xds", "upstream_peer", "downstream_peer", "node");

    private CelEngine() {
    }

    private static final class Holder {
        static final CelOptions OPTIONS = CelOptions.current()
                .enableHeterogeneousNumericComparisons(true)
                .enableUnsignedLongs(true)
                .build();
        static final CelCompiler COMPILER;
        /**
         * cel-cpp, Envoy's evaluator, also takes the string tests as global functions
         * ({@code startsWith(request.path, '/v1/')}, as Envoy's RBAC examples write them).
         */
        private static final java.util.Map<String, java.util.function.BiPredicate<String, String>> GLOBAL_STRING_TESTS =
                java.util.Map.of("startsWith", String::startsWith, "endsWith", String::endsWith,
                        "contains", String::contains);
        static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder()
                .setOptions(OPTIONS)
                .addLibraries(CelExtensions.strings())
                .addFunctionBindings(GLOBAL_STRING_TESTS.entrySet().stream()
                        .map(e -> dev.cel.runtime.CelFunctionBinding.from(globalOverload(e.getKey()), String.class,
                                String.class, (a, b) -> e.getValue().test(a, b)))
                        .toList())
                .build();

        private static String globalOverload(String function) {
            return "remora_global_" + function + "_string_string";
        }

        static {
            var b = CelCompilerFactory.standardCelCompilerBuilder().setOptions(OPTIONS)
                    .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
                    .addLibraries(CelExtensions.strings());
            for (String function : GLOBAL_STRING_TESTS.keySet()) {
                b.addFunctionDeclarations(dev.cel.common.CelFunctionDecl.newFunctionDeclaration(function,
                        dev.cel.common.CelOverloadDecl.newGlobalOverload(globalOverload(function), SimpleType.BOOL,
                                SimpleType.STRING, SimpleType.STRING)));
            }
            for (String root : ROOTS) {
                b.addVar(root, MapType.create(SimpleType.STRING, SimpleType.DYN));
            }
            COMPILER = b.build();
        }
    }

    /** An expression's text; a syntax error is a translation error at {@code path}. */
    public static CelProgram compile(String text, FieldPath path, TranslationContext ctx) {
        if (text.isEmpty()) {
            throw path.error("missing required field");
        }
        CelValidationResult parsed = Holder.COMPILER.parse(text);
        if (parsed.hasError()) {
            throw path.error("invalid CEL expression: " + parsed.getErrorString().replace('\n', ' '));
        }
        try {
            return check(parsed.getAst(), text, path, ctx);
        } catch (CelValidationException e) {
            throw path.error("invalid CEL expression: " + e.getMessage());
        }
    }

    /** A parsed expression ({@code google.api.expr.v1alpha1.Expr}, as RBAC's {@code condition}). */
    public static CelProgram parsed(com.google.api.expr.v1alpha1.Expr expr, FieldPath path, TranslationContext ctx) {
        try {
            CelAbstractSyntaxTree ast = CelProtoV1Alpha1AbstractSyntaxTree.fromParsedExpr(
                    com.google.api.expr.v1alpha1.ParsedExpr.newBuilder().setExpr(ExprIds.renumber(expr)).build()).getAst();
            return check(ast, expr.toString(), path, ctx);
        } catch (RuntimeException | CelValidationException e) {
            throw path.error("invalid CEL expression: " + e.getMessage());
        }
    }

    /** A checked expression ({@code google.api.expr.v1alpha1.CheckedExpr}, RBAC's {@code checked_condition}). */
    public static CelProgram checked(com.google.api.expr.v1alpha1.CheckedExpr expr, FieldPath path) {
        try {
            CelAbstractSyntaxTree ast = CelProtoV1Alpha1AbstractSyntaxTree.fromCheckedExpr(expr).getAst();
            return new CelProgram(expr.toString(), Holder.RUNTIME.createProgram(ast), null);
        } catch (RuntimeException | CelEvaluationException e) {
            throw path.error("invalid CEL expression: " + e.getMessage());
        }
    }

    private static CelProgram check(CelAbstractSyntaxTree ast, String source, FieldPath path, TranslationContext ctx)
            throws CelValidationException {
        CelValidationResult checked = Holder.COMPILER.check(ast);
        if (checked.hasError()) {
            String why = checked.getErrorString().replace('\n', ' ');
            ctx.warnOnce("cel:" + path, "CEL expression at " + path + " always fails to evaluate: " + why);
            return new CelProgram(source, null, why);
        }
        try {
            return new CelProgram(source, Holder.RUNTIME.createProgram(checked.getAst()), null);
        } catch (CelEvaluationException e) {
            throw path.error("invalid CEL expression: " + e.getMessage());
        }
    }
}
