package io.remora.extensions.filters.common;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.config.HeaderMutation;
import io.remora.route.HeaderFormatter;

import java.util.List;
import java.util.Locale;

/**
 * A filter's {@code repeated HeaderValueOption} (e.g. local rate limit's
 * {@code response_headers_to_add}) applied as Envoy's {@code HeaderParser::evaluateHeaders}: every
 * value formatted and every append action decided against the headers as they were before these
 * additions, then overwrites set, then additions appended; an empty value is skipped unless
 * keep_empty_value. Compiled once per config.
 */
public final class HeaderAdditions {

    public static final HeaderAdditions NONE = new HeaderAdditions(List.of());

    private final AsciiString[] keys;
    private final HeaderFormatter[] values;
    private final HeaderMutation.AppendAction[] actions;
    private final boolean[] keepEmpty;

    private HeaderAdditions(List<HeaderMutation.HeaderValueOption> options) {
        int n = options.size();
        keys = new AsciiString[n];
        values = new HeaderFormatter[n];
        actions = new HeaderMutation.AppendAction[n];
        keepEmpty = new boolean[n];
        for (int i = 0; i < n; i++) {
            HeaderMutation.HeaderValueOption o = options.get(i);
            keys[i] = AsciiString.of(o.key().toLowerCase(Locale.ROOT));
            values[i] = HeaderFormatter.compile(o.value() == null ? "" : o.value());
            actions[i] = o.action() == null ? HeaderMutation.AppendAction.APPEND_IF_EXISTS_OR_ADD : o.action();
            keepEmpty[i] = o.keepEmptyValue();
        }
    }

    public static HeaderAdditions of(List<HeaderMutation.HeaderValueOption> options) {
        return options == null || options.isEmpty() ? NONE : new HeaderAdditions(options);
    }

    public boolean isEmpty() {
        return keys.length == 0;
    }

    /**
     * @param target         the headers to change
     * @param requestHeaders what %REQ()% reads; a target that is not it is a response, what %RESP()% reads
     */
    public void apply(Http2Headers target, Http2Headers requestHeaders, HeaderFormatter.Context context) {
        int n = keys.length;
        if (n == 0) {
            return;
        }
        String[] formatted = new String[n];
        boolean[] existed = new boolean[n];
        for (int i = 0; i < n; i++) {
            formatted[i] = values[i].format(requestHeaders, target == requestHeaders ? null : target, context);
            existed[i] = target.contains(keys[i]);
        }
        for (int i = 0; i < n; i++) {
            String v = formatted[i];
            if (v.isEmpty() && !keepEmpty[i]) {
                continue;
            }
            switch (actions[i]) {
                case OVERWRITE_IF_EXISTS_OR_ADD -> target.set(keys[i], v);
                case OVERWRITE_IF_EXISTS -> {
                    if (existed[i]) {
                        target.set(keys[i], v);
                    }
                }
                default -> {
                }
            }
        }
        for (int i = 0; i < n; i++) {
            String v = formatted[i];
            if (v.isEmpty() && !keepEmpty[i]) {
                continue;
            }
            switch (actions[i]) {
                case APPEND_IF_EXISTS_OR_ADD -> target.add(keys[i], v);
                case ADD_IF_ABSENT -> {
                    if (!existed[i]) {
                        target.add(keys[i], v);
                    }
                }
                default -> {
                }
            }
        }
    }
}
