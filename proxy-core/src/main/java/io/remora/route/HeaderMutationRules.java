package io.remora.route;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.config.HeaderMutation;
import io.remora.config.HeaderMutationRule;
import io.remora.http.InlineHeaders;

import java.util.List;

/**
 * An ordered list of {@link HeaderMutationRule}s, their names and value formats compiled once:
 * the header_mutation filter's lists and the connection manager's early header mutations.
 * Equal when the rules are. Both are Envoy's {@code Http::HeaderMutations}, whose appends are the
 * map's {@code addReferenceKey}: a value added to an inline name already present joins it, as the
 * route's additions do ({@link HeaderMutator}).
 */
public final class HeaderMutationRules {

    public static final HeaderMutationRules NONE = new HeaderMutationRules(List.of());

    private final List<HeaderMutationRule> rules;
    private final AsciiString[] names;
    private final HeaderFormatter[] values; // null for a removal

    private HeaderMutationRules(List<HeaderMutationRule> rules) {
        this.rules = List.copyOf(rules);
        int n = this.rules.size();
        names = new AsciiString[n];
        values = new HeaderFormatter[n];
        for (int i = 0; i < n; i++) {
            HeaderMutationRule r = this.rules.get(i);
            if (r instanceof HeaderMutationRule.Remove remove) {
                names[i] = AsciiString.of(AsciiCase.lower(remove.name()));
            } else if (r instanceof HeaderMutationRule.Append append) {
                names[i] = AsciiString.of(AsciiCase.lower(append.option().key()));
                values[i] = HeaderFormatter.compile(append.option().value() == null ? "" : append.option().value());
            }
        }
    }

    public static HeaderMutationRules of(List<HeaderMutationRule> rules) {
        return rules == null || rules.isEmpty() ? NONE : new HeaderMutationRules(rules);
    }

    public List<HeaderMutationRule> rules() {
        return rules;
    }

    public boolean isEmpty() {
        return rules.isEmpty();
    }

    /**
     * @param target  the headers to change
     * @param request what %REQ()% reads (the target itself for request headers; else the target is
     *                the response, what %RESP()% reads)
     */
    public void apply(Http2Headers target, Http2Headers request, HeaderFormatter.Context context) {
        InlineHeaders.Kind kind = target == request
                ? InlineHeaders.Kind.REQUEST_HEADERS : InlineHeaders.Kind.RESPONSE_HEADERS;
        for (int i = 0; i < names.length; i++) {
            if (values[i] == null) {
                target.remove(names[i]);
                continue;
            }
            HeaderMutation.HeaderValueOption o = ((HeaderMutationRule.Append) rules.get(i)).option();
            String value = values[i].format(request, target == request ? null : target, context);
            if (!value.isEmpty() || o.keepEmptyValue()) {
                applyJoining(target, kind, names[i], value,
                        o.action() == null ? HeaderMutation.AppendAction.APPEND_IF_EXISTS_OR_ADD : o.action());
            }
        }
    }

    /**
     * As {@link #applyOne(Http2Headers, AsciiString, String, HeaderMutation.AppendAction)} on a map
     * of that kind, an append to a name it holds inline joining the value there (Envoy's addCopy).
     */
    public static void applyJoining(Http2Headers target, InlineHeaders.Kind kind, AsciiString key, String value,
                                    HeaderMutation.AppendAction action) {
        switch (action) {
            case APPEND_IF_EXISTS_OR_ADD -> HeaderMutator.append(target, kind, key, value);
            case ADD_IF_ABSENT -> {
                if (!target.contains(key)) {
                    target.add(key, value);
                }
            }
            default -> applyOne(target, key, value, action);
        }
    }

    /** One header value applied to {@code target} with its append action, decided against it as it is now. */
    public static void applyOne(Http2Headers target, AsciiString key, String value, HeaderMutation.AppendAction action) {
        switch (action) {
            case APPEND_IF_EXISTS_OR_ADD -> target.add(key, value);
            case ADD_IF_ABSENT -> {
                if (!target.contains(key)) {
                    target.add(key, value);
                }
            }
            case OVERWRITE_IF_EXISTS_OR_ADD -> target.set(key, value);
            case OVERWRITE_IF_EXISTS -> {
                if (target.contains(key)) {
                    target.set(key, value);
                }
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HeaderMutationRules r && r.rules.equals(rules);
    }

    @Override
    public int hashCode() {
        return rules.hashCode();
    }

    @Override
    public String toString() {
        return rules.toString();
    }
}
