package io.remora.route;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.config.HeaderMutation;

import java.util.ArrayList;
import java.util.List;

/**
 * One level of {@code *_headers_to_add}/{@code *_headers_to_remove}, applied as Envoy's
 * {@code HeaderParser::evaluateHeaders}: removals first; then every value is formatted and every
 * append action decided against the headers as they were before this level's additions; then
 * overwrites are set; then additions appended. An empty value is skipped unless keep_empty_value.
 */
final class HeaderMutator {

    static final HeaderMutator NONE = new HeaderMutator(HeaderMutation.NONE);

    private final AsciiString[] removes;
    private final AsciiString[] keys;
    private final HeaderFormatter[] values;
    private final HeaderMutation.AppendAction[] actions;
    private final boolean[] keepEmpty;
    private final boolean allLiteral;
    private final HeaderMutation source;

    HeaderMutator(HeaderMutation m) {
        HeaderMutation spec = m == null ? HeaderMutation.NONE : m;
        this.source = spec;
        removes = spec.remove().stream().map(n -> AsciiString.of(AsciiCase.lower(n))).toArray(AsciiString[]::new);
        int n = spec.add().size();
        keys = new AsciiString[n];
        values = new HeaderFormatter[n];
        actions = new HeaderMutation.AppendAction[n];
        keepEmpty = new boolean[n];
        boolean literal = true;
        for (int i = 0; i < n; i++) {
            HeaderMutation.HeaderValueOption o = spec.add().get(i);
            keys[i] = AsciiString.of(AsciiCase.lower(o.key()));
            values[i] = HeaderFormatter.compile(o.value() == null ? "" : o.value());
            actions[i] = o.action() == null ? HeaderMutation.AppendAction.APPEND_IF_EXISTS_OR_ADD : o.action();
            keepEmpty[i] = o.keepEmptyValue();
            literal &= values[i].isLiteral();
        }
        allLiteral = literal;
    }

    static HeaderMutator of(HeaderMutation m) {
        return m == null || m.isEmpty() ? NONE : new HeaderMutator(m);
    }

    boolean isEmpty() {
        return removes.length == 0 && keys.length == 0;
    }

    HeaderMutation source() {
        return source;
    }

    /**
     * @param target         the headers to change
     * @param requestHeaders what %REQ()% reads (the target itself for request headers)
     */
    void apply(Http2Headers target, Http2Headers requestHeaders, HeaderFormatter.Context context) {
        for (AsciiString r : removes) {
            target.remove(r);
        }
        int n = keys.length;
        if (n == 0) {
            return;
        }
        // Decide and format everything against the headers before this level changes them.
        CharSequence[] decided = allLiteral && n == 1 ? null : new CharSequence[n];
        boolean[] overwrite = decided == null ? null : new boolean[n];
        CharSequence single = null;
        boolean singleOverwrite = false;
        for (int i = 0; i < n; i++) {
            String v = values[i].format(requestHeaders, context);
            if (v.isEmpty() && !keepEmpty[i]) {
                continue;
            }
            boolean ow;
            switch (actions[i]) {
                case APPEND_IF_EXISTS_OR_ADD -> ow = false;
                case ADD_IF_ABSENT -> {
                    if (target.contains(keys[i])) {
                        continue;
                    }
                    ow = false;
                }
                case OVERWRITE_IF_EXISTS -> {
                    if (!target.contains(keys[i])) {
                        continue;
                    }
                    ow = true;
                }
                default -> ow = true;
            }
            if (decided == null) {
                single = v;
                singleOverwrite = ow;
            } else {
                decided[i] = v;
                overwrite[i] = ow;
            }
        }
        if (decided == null) {
            if (single != null) {
                if (singleOverwrite) {
                    target.set(keys[0], single);
                } else {
                    target.add(keys[0], single);
                }
            }
            return;
        }
        for (int i = 0; i < n; i++) {
            if (decided[i] != null && overwrite[i]) {
                target.set(keys[i], decided[i]);
            }
        }
        for (int i = 0; i < n; i++) {
            if (decided[i] != null && !overwrite[i]) {
                target.add(keys[i], decided[i]);
            }
        }
    }

    /**
     * Envoy's rule for header mutations: pseudo-headers and Host cannot be added or removed.
     * Returns the problems, naming the field under {@code path}.
     */
    static List<String> validate(HeaderMutation m, String path) {
        List<String> problems = new ArrayList<>();
        if (m == null) {
            return problems;
        }
        for (int i = 0; i < m.add().size(); i++) {
            HeaderMutation.HeaderValueOption o = m.add().get(i);
            String field = path + "_to_add[" + i + "]";
            if (!modifiable(o.key())) {
                problems.add(field + ".header.key: invalid header '" + o.key() + "': pseudo-headers and host cannot be modified");
            }
            for (String p : HeaderFormatter.validate(o.value() == null ? "" : o.value())) {
                problems.add(field + ".header.value: " + p);
            }
        }
        for (int i = 0; i < m.remove().size(); i++) {
            if (!modifiable(m.remove().get(i))) {
                problems.add(path + "_to_remove[" + i + "]: invalid header '" + m.remove().get(i)
                        + "': pseudo-headers and host cannot be removed");
            }
        }
        return problems;
    }

    /** Envoy's {@code HeaderUtility::isModifiableHeader}. */
    static boolean modifiable(String name) {
        return name != null && !name.isEmpty() && name.charAt(0) != ':' && !name.equalsIgnoreCase("host");
    }
}
