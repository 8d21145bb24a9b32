package io.remora.extensions.filters.http.ext_proc;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.micrometer.core.instrument.Counter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.config.HeaderMutation;
import io.remora.config.StringMatcher;
import io.remora.extensions.filters.common.HeaderMutationChecker;
import io.remora.http.InlineHeaders;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Header maps to and from the processor's messages: what is sent ({@code forward_rules}) and how
 * a {@code HeaderMutation} is applied under the mutation rules (as Envoy's MutationUtils).
 */
final class ExtProcMessages {

    private ExtProcMessages() {
    }

    /** The headers as a {@code HeaderMap}, values as {@code raw_value} (as Envoy sends them). */
    static HeaderMap headerMap(Http2Headers h, List<StringMatcher> allowed, List<StringMatcher> disallowed) {
        HeaderMap.Builder b = HeaderMap.newBuilder();
        for (Map.Entry<CharSequence, CharSequence> e : h) {
            String k = e.getKey().toString();
            if (!allowed.isEmpty() && !any(allowed, k) || any(disallowed, k)) {
                continue;
            }
            b.addHeaders(HeaderValue.newBuilder().setKey(k)
                    .setRawValue(ByteString.copyFrom(e.getValue().toString(), StandardCharsets.ISO_8859_1)));
        }
        return b.build();
    }

    private static boolean any(List<StringMatcher> ms, String k) {
        for (StringMatcher m : ms) {
            if (m.matches(k)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Applies {@code m} to {@code h}: removals, then sets with their append action. A mutation the
     * rules forbid is skipped and counted; returns the error when the rules make that fatal, else null.
     * In request headers a set of {@code host} sets {@code :authority}, as Envoy's request header map
     * takes it.
     */
    static String apply(io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation m, Http2Headers h, boolean request,
                        HeaderMutationChecker rules, Counter rejected) {
        return apply(m, h, request, false, rules, rejected);
    }

    /** {@code replacing}: a CONTINUE_AND_REPLACE answer, which may also set {@code :method} (as Envoy). */
    static String apply(io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation m, Http2Headers h, boolean request,
                        boolean replacing, HeaderMutationChecker rules, Counter rejected) {
        return apply(m, h, request, replacing, rules, rejected,
                request ? InlineHeaders.Kind.REQUEST_HEADERS : InlineHeaders.Kind.RESPONSE_HEADERS);
    }

    /**
     * @param kind the map {@code h} is: Envoy's ext_proc appends with the map's addCopy, which joins a
     *             value to a name the map holds inline
     */
    static String apply(io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation m, Http2Headers h, boolean request,
                        boolean replacing, HeaderMutationChecker rules, Counter rejected, InlineHeaders.Kind kind) {
        for (String raw : m.getRemoveHeadersList()) {
            String name = raw.toLowerCase(Locale.ROOT);
            if (!HeaderMutationChecker.validName(name)) {
                rejected.increment();
                return "Invalid character in remove_headers mutation.";
            }
            switch (rules.check(HeaderMutationChecker.Operation.REMOVE, name, "")) {
                case OK -> h.remove(name);
                case IGNORE -> rejected.increment();
                case FAIL -> {
                    rejected.increment();
                    return "Invalid attempt to remove " + name;
                }
            }
        }
        for (HeaderValueOption o : m.getSetHeadersList()) {
            if (!o.hasHeader()) {
                continue;
            }
            String name = o.getHeader().getKey().toLowerCase(Locale.ROOT);
            String value = o.getHeader().getRawValue().isEmpty() ? o.getHeader().getValue()
                    : o.getHeader().getRawValue().toString(StandardCharsets.ISO_8859_1);
            if (!HeaderMutationChecker.validName(name)) {
                rejected.increment();
                return "Invalid character in set_headers mutation.";
            }
            HeaderValueOption.HeaderAppendAction action = o.hasAppend()
                    ? o.getAppend().getValue() ? HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD
                    : HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD
                    : o.getAppendAction();
            boolean append = action == HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD;
            String target = request && name.equals("host") ? ":authority" : name;
            HeaderMutationChecker.Result result = replacing && target.equals(":method")
                    ? HeaderMutationChecker.Result.OK
                    : rules.check(append ? HeaderMutationChecker.Operation.APPEND : HeaderMutationChecker.Operation.SET,
                    target, value);
            switch (result) {
                case OK -> set(h, kind, target, value, action);
                case IGNORE -> rejected.increment();
                case FAIL -> {
                    rejected.increment();
                    return "Invalid attempt to modify " + name;
                }
            }
        }
        return null;
    }

    private static void set(Http2Headers h, InlineHeaders.Kind kind, String name, String value,
                            HeaderValueOption.HeaderAppendAction action) {
        io.remora.route.HeaderMutationRules.applyJoining(h, kind, AsciiString.of(name), value, switch (action) {
            case ADD_IF_ABSENT -> HeaderMutation.AppendAction.ADD_IF_ABSENT;
            case OVERWRITE_IF_EXISTS_OR_ADD -> HeaderMutation.AppendAction.OVERWRITE_IF_EXISTS_OR_ADD;
            case OVERWRITE_IF_EXISTS -> HeaderMutation.AppendAction.OVERWRITE_IF_EXISTS;
            default -> HeaderMutation.AppendAction.APPEND_IF_EXISTS_OR_ADD;
        });
    }
}
