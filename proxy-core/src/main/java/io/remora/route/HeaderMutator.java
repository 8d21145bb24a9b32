package io.remora.route;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.config.HeaderMutation;
import io.remora.http.InlineHeaders;

import java.util.ArrayList;
import java.util.List;

/**
 * One level of {@code *_headers_to_add}/{@code *_headers_to_remove}, applied as Envoy's
 * {@code HeaderParser::evaluateHeaders}: removals first; then every value is formatted and every
 * append action decided against the headers as they were before this level's additions; then
 * overwrites are set; then additions appended. An empty value is skipped unless keep_empty_value.
 * An addition to a name Envoy's header maps keep inline ({@link InlineHeaders}: user-agent, accept,
 * ...) joins the entry already there, as Envoy's {@code addReferenceKey} does, rather than repeating it.
 */
public final class HeaderMutator {

    static final HeaderMutator NONE = new HeaderMutator(HeaderMutation.NONE);
    private static final AsciiString COOKIE = AsciiString.cached("cookie");

    private final AsciiString[] removes;
    private final AsciiString[] keys;
    private final HeaderFormatter[] values;
    private final HeaderMutation.AppendAction[] actions;
    private final boolean[] keepEmpty;

    HeaderMutator(HeaderMutation m) {
        HeaderMutation spec = m == null ? HeaderMutation.NONE : m;
        removes = spec.remove().stream().map(n -> AsciiString.of(AsciiCase.lower(n))).toArray(AsciiString[]::new);
        int n = spec.add().size();
        keys = new AsciiString[n];
        values = new HeaderFormatter[n];
        actions = new HeaderMutation.AppendAction[n];
        keepEmpty = new boolean[n];
        for (int i = 0; i < n; i++) {
            HeaderMutation.HeaderValueOption o = spec.add().get(i);
            keys[i] = AsciiString.of(AsciiCase.lower(o.key()));
            values[i] = HeaderFormatter.compile(o.value() == null ? "" : o.value());
            actions[i] = o.action() == null ? HeaderMutation.AppendAction.APPEND_IF_EXISTS_OR_ADD : o.action();
            keepEmpty[i] = o.keepEmptyValue();
        }
    }

    public static HeaderMutator of(HeaderMutation m) {
        return m == null || m.isEmpty() ? NONE : new HeaderMutator(m);
    }

    boolean isEmpty() {
        return removes.length == 0 && keys.length == 0;
    }

    /**
     * @param target         the headers to change
     * @param requestHeaders what %REQ()% reads (the target itself for request headers; for response
     *                       headers the request's, the target then being what %RESP()% reads)
     */
    public void apply(Http2Headers target, Http2Headers requestHeaders, HeaderFormatter.Context context) {
        for (AsciiString r : removes) {
            target.remove(r);
        }
        int n = keys.length;
        InlineHeaders.Kind kind = target == requestHeaders
                ? InlineHeaders.Kind.REQUEST_HEADERS : InlineHeaders.Kind.RESPONSE_HEADERS;
        if (n == 1) {
            // Nothing else in the level to order against.
            String v = decide(0, target, requestHeaders, context);
            if (v != null) {
                if (overwrites(0)) {
                    target.set(keys[0], v);
                } else {
                    append(target, kind, keys[0], v);
                }
            }
            return;
        }
        if (n == 0) {
            return;
        }
        String[] decided = new String[n];
        for (int i = 0; i < n; i++) {
            decided[i] = decide(i, target, requestHeaders, context);
        }
        for (int i = 0; i < n; i++) {
            if (decided[i] != null && overwrites(i)) {
                target.set(keys[i], decided[i]);
            }
        }
        for (int i = 0; i < n; i++) {
            if (decided[i] != null && !overwrites(i)) {
                append(target, kind, keys[i], decided[i]);
            }
        }
    }

    /** The formatted value of entry i if its append action lets it apply to {@code target} now, else null. */
    private String decide(int i, Http2Headers target, Http2Headers requestHeaders, HeaderFormatter.Context context) {
        // A target that is not the request is the response: what %RESP()% reads, as Envoy's formatter context.
        String v = values[i].format(requestHeaders, target == requestHeaders ? null : target, context);
        if (v.isEmpty() && !keepEmpty[i]) {
            return null;
        }
        return switch (actions[i]) {
            case ADD_IF_ABSENT -> target.contains(keys[i]) ? null : v;
            case OVERWRITE_IF_EXISTS -> target.contains(keys[i]) ? v : null;
            default -> v;
        };
    }

    private boolean overwrites(int i) {
        return actions[i] == HeaderMutation.AppendAction.OVERWRITE_IF_EXISTS
                || actions[i] == HeaderMutation.AppendAction.OVERWRITE_IF_EXISTS_OR_ADD;
    }

    /**
     * Envoy's {@code HeaderMapImpl::insertByKey}/{@code appendToHeader}: a map has one entry per
     * inline name, so a value added to one already present is appended to it ("; " after a cookie,
     * "," otherwise; an empty value changes nothing); any other name gets an entry of its own.
     */
    static void append(Http2Headers target, InlineHeaders.Kind kind, AsciiString key, String v) {
        if (InlineHeaders.inline(kind, key)) {
            CharSequence present = target.get(key);
            if (present != null) {
                if (!v.isEmpty()) {
                    target.set(key, present.length() == 0 ? v
                            : present + (COOKIE.contentEquals(key) ? "; " : ",") + v);
                }
                return;
            }
        }
        target.add(key, v);
    }

    /**
     * Envoy's {@code HeaderMapImpl::appendCopy} on a header the map has: the value joins its first
     * entry, by the delimiter and empty-value rule of {@link #append}. False, with nothing changed,
     * when the map lacks the header (ext_authz's headers_to_append adds none).
     */
    public static boolean joinOntoFirst(Http2Headers target, AsciiString key, String v) {
        List<CharSequence> present = target.getAll(key);
        if (present.isEmpty()) {
            return false;
        }
        if (v.isEmpty()) {
            return true;
        }
        CharSequence first = present.get(0);
        String joined = first.length() == 0 ? v : first + (COOKIE.contentEquals(key) ? "; " : ",") + v;
        if (present.size() == 1) {
            target.set(key, joined);
            return true;
        }
        List<CharSequence> rest = new ArrayList<>(present.subList(1, present.size()));
        target.remove(key);
        target.add(key, joined);
        for (CharSequence r : rest) {
            target.add(key, r);
        }
        return true;
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
            if (o.value() != null && (o.value().indexOf('\r') >= 0 || o.value().indexOf('\n') >= 0
                    || o.value().indexOf('\0') >= 0)) {
                problems.add(field + ".header.value: invalid header value: CR, LF and NUL are not allowed");
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
