package io.remora.xds.translate;

import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.remora.config.HeaderMatcher;
import io.remora.config.HeaderMutation;
import io.remora.config.QueryParameterMatcher;
import io.remora.config.StringMatcher;
import io.remora.route.HeaderFormatter;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Header matchers, query parameter matchers and header mutations of routes. */
public final class HeaderTranslator {

    private HeaderTranslator() {
    }

    public static List<HeaderMatcher> matchers(List<io.envoyproxy.envoy.config.route.v3.HeaderMatcher> in, FieldPath path) {
        List<HeaderMatcher> out = new ArrayList<>(in.size());
        for (int i = 0; i < in.size(); i++) {
            out.add(matcher(in.get(i), path.index(i)));
        }
        return List.copyOf(out);
    }

    public static HeaderMatcher matcher(io.envoyproxy.envoy.config.route.v3.HeaderMatcher h, FieldPath path) {
        if (h.getName().isEmpty()) {
            throw path.field("name").error("missing required field");
        }
        String name = h.getName().toLowerCase(Locale.ROOT);
        StringMatcher sm = null;
        Boolean present = null;
        HeaderMatcher.Range range = null;
        switch (h.getHeaderMatchSpecifierCase()) {
            case STRING_MATCH -> sm = StringMatcherTranslator.translate(h.getStringMatch(), path.field("string_match"));
            case EXACT_MATCH -> sm = new StringMatcher.Exact(h.getExactMatch(), false);
            case PREFIX_MATCH -> sm = new StringMatcher.Prefix(h.getPrefixMatch(), false);
            case SUFFIX_MATCH -> sm = new StringMatcher.Suffix(h.getSuffixMatch(), false);
            case CONTAINS_MATCH -> sm = new StringMatcher.Contains(h.getContainsMatch(), false);
            case SAFE_REGEX_MATCH -> sm = new StringMatcher.Regex(
                    StringMatcherTranslator.regex(h.getSafeRegexMatch(), path.field("safe_regex_match")));
            case PRESENT_MATCH -> present = h.getPresentMatch();
            case RANGE_MATCH -> {
                if (h.getRangeMatch().getStart() >= h.getRangeMatch().getEnd()) {
                    throw path.field("range_match").error("start must be less than end");
                }
                range = new HeaderMatcher.Range(h.getRangeMatch().getStart(), h.getRangeMatch().getEnd());
            }
            // Envoy: no specifier at all matches on presence.
            case HEADERMATCHSPECIFIER_NOT_SET -> present = true;
        }
        return new HeaderMatcher(name, sm, present, range, h.getInvertMatch(), h.getTreatMissingHeaderAsEmpty());
    }

    public static List<QueryParameterMatcher> queryParameters(
            List<io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher> in, FieldPath path) {
        List<QueryParameterMatcher> out = new ArrayList<>(in.size());
        for (int i = 0; i < in.size(); i++) {
            var q = in.get(i);
            FieldPath p = path.index(i);
            if (q.getName().isEmpty()) {
                throw p.field("name").error("missing required field");
            }
            if (q.hasStringMatch()) {
                out.add(new QueryParameterMatcher(q.getName(),
                        StringMatcherTranslator.translate(q.getStringMatch(), p.field("string_match")), false));
            } else {
                // Neither set is a presence check; present_match: false asks for absence.
                out.add(new QueryParameterMatcher(q.getName(), null, !q.hasPresentMatch() || q.getPresentMatch()));
            }
        }
        return List.copyOf(out);
    }

    public static HeaderMutation mutation(List<HeaderValueOption> add, List<String> remove, FieldPath addPath,
                                          FieldPath removePath) {
        if (add.isEmpty() && remove.isEmpty()) {
            return HeaderMutation.NONE;
        }
        List<HeaderMutation.HeaderValueOption> adds = new ArrayList<>(add.size());
        for (int i = 0; i < add.size(); i++) {
            adds.add(option(add.get(i), addPath.index(i)));
        }
        List<String> removes = new ArrayList<>(remove.size());
        for (int i = 0; i < remove.size(); i++) {
            String r = remove.get(i);
            if (r.isEmpty()) {
                throw removePath.index(i).error("must not be empty");
            }
            removes.add(r.toLowerCase(Locale.ROOT));
        }
        return new HeaderMutation(List.copyOf(adds), List.copyOf(removes));
    }

    /**
     * {@link #mutation} whose values Envoy's HeaderParser formats (routes, virtual hosts, route
     * configurations, weighted clusters): each value checked by {@link #checkFormattedValue}.
     */
    public static HeaderMutation formattedMutation(List<HeaderValueOption> add, List<String> remove, FieldPath addPath,
                                                   FieldPath removePath, TranslationContext ctx) {
        HeaderMutation m = mutation(add, remove, addPath, removePath);
        for (int i = 0; i < m.add().size(); i++) {
            String value = m.add().get(i).value();
            checkFormattedValue(value == null ? "" : value, addPath.index(i).field("header").field("value"), ctx);
        }
        return m;
    }

    /**
     * A value Envoy's HeaderParser formats: one the substitution formatter refuses (an unknown
     * operator, a stray '%', a parameter or length the operator does not take) is a config error at
     * {@code path}, as Envoy's; the legacy syntax it converts ({@code %UPSTREAM_METADATA(["ns","k"])%},
     * {@code %PER_REQUEST_STATE(k)%}) gets Envoy's deprecation warning, once per field path
     * ({@code ctx} null: once per process).
     */
    public static void checkFormattedValue(String value, FieldPath path, TranslationContext ctx) {
        List<String> problems = HeaderFormatter.validate(value);
        if (!problems.isEmpty()) {
            throw path.error(problems.get(0));
        }
        for (String deprecated : HeaderFormatter.deprecations(value)) {
            String key = "header_formatter_legacy:" + path + ":" + deprecated;
            String message = deprecated + " (at " + path + ")";
            if (ctx != null) {
                ctx.warnOnce(key, message);
            } else {
                TranslationContext.warnOnceWithoutContext(key, message);
            }
        }
    }

    public static HeaderMutation.HeaderValueOption option(HeaderValueOption o, FieldPath path) {
        if (!o.hasHeader() || o.getHeader().getKey().isEmpty()) {
            throw path.field("header").field("key").error("missing required field");
        }
        String key = o.getHeader().getKey().toLowerCase(Locale.ROOT);
        String value = !o.getHeader().getRawValue().isEmpty()
                ? o.getHeader().getRawValue().toString(StandardCharsets.UTF_8) : o.getHeader().getValue();
        HeaderMutation.AppendAction action;
        if (o.hasAppend()) {
            if (o.getAppendAction() != HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD) {
                throw path.error("append and append_action are mutually exclusive");
            }
            action = o.getAppend().getValue() ? HeaderMutation.AppendAction.APPEND_IF_EXISTS_OR_ADD
                    : HeaderMutation.AppendAction.OVERWRITE_IF_EXISTS_OR_ADD;
        } else {
            action = switch (o.getAppendAction()) {
                case ADD_IF_ABSENT -> HeaderMutation.AppendAction.ADD_IF_ABSENT;
                case OVERWRITE_IF_EXISTS_OR_ADD -> HeaderMutation.AppendAction.OVERWRITE_IF_EXISTS_OR_ADD;
                case OVERWRITE_IF_EXISTS -> HeaderMutation.AppendAction.OVERWRITE_IF_EXISTS;
                default -> HeaderMutation.AppendAction.APPEND_IF_EXISTS_OR_ADD;
            };
        }
        return new HeaderMutation.HeaderValueOption(key, value, action, o.getKeepEmptyValue());
    }
}
