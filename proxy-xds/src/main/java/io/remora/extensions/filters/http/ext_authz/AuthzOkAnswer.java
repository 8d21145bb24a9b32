package io.remora.extensions.filters.http.ext_authz;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.config.HeaderMutation;
import io.remora.extensions.filters.common.HeaderMutationChecker;
import io.remora.extensions.filters.common.HeaderMutationChecker.Operation;
import io.remora.extensions.filters.common.HeaderMutationChecker.Result;
import io.remora.http.InlineHeaders;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.route.HeaderMutationRules;
import io.remora.route.HeaderMutator;

import java.util.List;
import java.util.Map;

/**
 * What an OK answer changes in the request before it goes upstream (Envoy's onComplete for
 * CheckStatus::OK): its headers set, added, appended and removed, its query rewritten, each
 * change checked against decoder_header_mutation_rules and validate_mutations, and the result
 * held to the connection manager's header limits.
 */
final class AuthzOkAnswer {

    private AuthzOkAnswer() {
    }

    /** Envoy's header map count (every field, pseudo-headers too) and byte size (names and values). */
    private static boolean overLimits(DecoderFilterCallbacks cb, Http2Headers h) {
        if (h.size() > cb.maxRequestHeadersCount()) {
            return true;
        }
        long bytes = 0;
        for (Map.Entry<CharSequence, CharSequence> e : h) {
            bytes += e.getKey().length() + e.getValue().length();
        }
        return bytes > cb.maxRequestHeadersBytes();
    }

    /**
     * Applies an OK answer's header changes; false, with nothing applied, when validate_mutations
     * finds an invalid one or decoder_header_mutation_rules refuse one with disallow_is_error, and
     * false after applying them when the request no longer fits the header limits. A change the
     * rules merely disallow is skipped.
     */
    static boolean apply(ExtAuthzConfig config, DecoderFilterCallbacks cb, Http2Headers requestHeaders,
                         AuthzDecision d, ExtAuthzStats stats) {
        HeaderMutationChecker rules = config.mutationRules();
        if (config.validateMutations() && (!valid(d) || !d.query().valid())) {
            return false;
        }
        // Envoy checks an added header as a set (its headers_to_add), an appended one as an append.
        if (rules != null && (refused(rules, Operation.SET, d.headersToSet())
                || refused(rules, Operation.SET, d.headersToAdd())
                || refused(rules, Operation.APPEND, d.headersToAppend()))) {
            return false;
        }
        boolean changed = false;
        for (Map.Entry<String, String> e : d.headersToSet()) {
            if (rules == null || rules.check(Operation.SET, e.getKey(), e.getValue()) == Result.OK) {
                requestHeaders.set(requestName(e.getKey()), e.getValue());
                changed = true;
            }
        }
        for (Map.Entry<String, String> e : d.headersToAdd()) {
            if (rules == null || rules.check(Operation.SET, e.getKey(), e.getValue()) == Result.OK) {
                HeaderMutationRules.applyJoining(requestHeaders, InlineHeaders.Kind.REQUEST_HEADERS,
                        AsciiString.of(requestName(e.getKey())), e.getValue(),
                        HeaderMutation.AppendAction.APPEND_IF_EXISTS_OR_ADD);
                changed = true;
            }
        }
        for (Map.Entry<String, String> e : d.headersToAppend()) {
            if (rules == null || rules.check(Operation.APPEND, e.getKey(), e.getValue()) == Result.OK) {
                HeaderMutator.joinOntoFirst(requestHeaders, AsciiString.of(requestName(e.getKey())), e.getValue());
                changed = true;
            }
        }
        for (String name : d.headersToRemove()) {
            // Envoy never lets the service remove pseudo-headers or host.
            if (!name.startsWith(":") && !name.equals("host")
                    && (rules == null || rules.check(Operation.REMOVE, name, "") == Result.OK)) {
                changed |= requestHeaders.remove(name);
            }
        }
        if (!d.query().isEmpty()) {
            CharSequence path = requestHeaders.path();
            requestHeaders.path(d.query().apply(path == null ? "" : path.toString()));
            changed = true;
        }
        if (overLimits(cb, requestHeaders)) {
            // Envoy 1.36: the request as the answer changed it must still fit the connection
            // manager's max_headers_count and max_request_headers_kb, else the answer is refused.
            stats.requestHeaderLimitsReached.increment();
            return false;
        }
        if (changed && config.clearRouteCache()) {
            cb.clearRouteCache();
        }
        return true;
    }

    /** Envoy's request header map takes a legacy "host" as :authority (HTTP/1's Host is kept there). */
    private static String requestName(String name) {
        return name.equals("host") ? ":authority" : name;
    }

    private static boolean refused(HeaderMutationChecker rules, Operation op, List<Map.Entry<String, String>> headers) {
        for (Map.Entry<String, String> e : headers) {
            if (rules.check(op, e.getKey(), e.getValue()) == Result.FAIL) {
                return true;
            }
        }
        return false;
    }

    /** validate_mutations: every header set, added or sent to the client has a valid name and value. */
    private static boolean valid(AuthzDecision d) {
        if (!valid(d.headersToSet()) || !valid(d.headersToAdd()) || !valid(d.headersToAppend())) {
            return false;
        }
        for (HeaderMutation.HeaderValueOption h : d.responseHeaders()) {
            if (!valid(h.key(), h.value())) {
                return false;
            }
        }
        return true;
    }

    /** Whether every header has a valid name and value (validate_mutations). */
    static boolean valid(List<Map.Entry<String, String>> headers) {
        for (Map.Entry<String, String> e : headers) {
            if (!valid(e.getKey(), e.getValue())) {
                return false;
            }
        }
        return true;
    }

    private static boolean valid(String name, String value) {
        return HeaderMutationChecker.validName(name) && HeaderMutationChecker.validValueChars(value);
    }
}
