package io.remora.extensions.cel;

import io.remora.accesslog.FormatterCommand;
import io.remora.accesslog.StreamInfo;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * {@code %CEL(expr)%} and {@code %CEL(expr):Z%} (Envoy's CEL formatter, built in since Envoy 1.34
 * and also named by {@code envoy.formatter.cel}): the expression's printed value, {@code -} when
 * it fails; {@code %TYPED_CEL(expr)%} the same, its JSON value typed. Expressions are compiled when the format is checked at translation and kept, so the
 * runtime's parse of the same format reuses them.
 */
public final class CelFormatterCommand implements FormatterCommand {

    private final FieldPath path;
    private final TranslationContext ctx;
    private final Map<String, CelProgram> compiled = new ConcurrentHashMap<>();

    /** {@code path}: the format, named by errors in its expressions. */
    public CelFormatterCommand(FieldPath path, TranslationContext ctx) {
        this.path = path;
        this.ctx = ctx;
    }

    @Override
    public Function<StreamInfo, String> parse(String name, String arg) {
        if (!name.equals("CEL")) {
            return null;
        }
        if (arg == null || arg.isEmpty()) {
            throw new IllegalArgumentException("%CEL% needs an expression: %CEL(expr)%");
        }
        CelProgram p = compiled.computeIfAbsent(arg, a -> CelEngine.compile(a, path, ctx));
        return info -> p.print(new CelAttributes(info, null, null, null));
    }

    /**
     * {@code %TYPED_CEL(expr)%} (Envoy main): {@code %CEL%}'s text in text formats; in JSON ones the
     * value with its JSON type ({@link CelJsonValue}).
     */
    @Override
    public Typed parseTyped(String name, String arg) {
        if (!name.equals("TYPED_CEL")) {
            return null;
        }
        if (arg == null || arg.isEmpty()) {
            throw new IllegalArgumentException("%TYPED_CEL% needs an expression: %TYPED_CEL(expr)%");
        }
        CelProgram p = compiled.computeIfAbsent(arg, a -> CelEngine.compile(a, path, ctx));
        return new Typed(info -> p.print(new CelAttributes(info, null, null, null)), info -> {
            Object v = p.eval(new CelAttributes(info, null, null, null));
            return v == null ? null : CelJsonValue.of(v);
        });
    }

    /** Commands of one field compare equal, so that an unchanged access log config is not rebuilt. */
    @Override
    public boolean equals(Object o) {
        return o instanceof CelFormatterCommand c && c.path.toString().equals(path.toString());
    }

    @Override
    public int hashCode() {
        return path.toString().hashCode();
    }

    /** Whether a format uses the command (only then is the CEL engine loaded). */
    public static boolean used(String format) {
        return format != null && (format.contains("%CEL(") || format.contains("%TYPED_CEL("));
    }
}
