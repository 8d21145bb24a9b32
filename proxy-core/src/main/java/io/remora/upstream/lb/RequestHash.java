package io.remora.upstream.lb;

import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.NetUtil;
import io.remora.config.HashPolicy;
import io.remora.route.QueryParameters;
import io.remora.route.RegexRewriter;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * A request's hash from the route's hash policies, as Envoy's {@code HashPolicyImpl::generateHash}:
 * each policy that yields a value is xxHash64'd and folded in ({@code rotl(hash, 1) ^ new}); a
 * terminal policy that produced a hash ends the walk.
 */
public final class RequestHash {
    private RequestHash() {
    }

    /**
     * @param setCookie receives a {@code Set-Cookie} value when a cookie policy with a ttl finds
     *                  no cookie and generates one
     */
    public static OptionalLong compute(List<HashPolicy> policies, Http2Headers headers, SocketAddress remote,
                                       SocketAddress local, Consumer<String> setCookie) {
        return compute(policies, headers, remote, local, setCookie, k -> null);
    }

    /**
     * @param filterState the request's filter state objects by name (null when absent): a string
     *                    object hashes as Envoy's string accessor does, xxHash64 of its value
     */
    public static OptionalLong compute(List<HashPolicy> policies, Http2Headers headers, SocketAddress remote,
                                       SocketAddress local, Consumer<String> setCookie,
                                       java.util.function.Function<String, Object> filterState) {
        boolean have = false;
        long hash = 0;
        for (HashPolicy p : policies) {
            OptionalLong h = evaluate(p, headers, remote, local, setCookie, filterState);
            if (h.isPresent()) {
                long old = have ? Long.rotateLeft(hash, 1) : 0;
                hash = old ^ h.getAsLong();
                have = true;
            }
            if (p.terminal() && have) {
                break;
            }
        }
        return have ? OptionalLong.of(hash) : OptionalLong.empty();
    }

    private static OptionalLong evaluate(HashPolicy p, Http2Headers headers, SocketAddress remote, SocketAddress local,
                                         Consumer<String> setCookie,
                                         java.util.function.Function<String, Object> filterState) {
        if (p instanceof HashPolicy.Header h) {
            List<CharSequence> values = headers.getAll(h.name());
            if (values.isEmpty()) {
                return OptionalLong.empty();
            }
            RegexRewriter rewrite = h.regexRewrite() == null ? null
                    : new RegexRewriter(h.regexRewrite().pattern(), h.regexRewrite().substitution());
            if (values.size() == 1) {
                String v = values.get(0).toString();
                return OptionalLong.of(XxHash64.hash(rewrite == null ? v : rewrite.replaceAll(v)));
            }
            // Several values: sorted, each hashed with the previous hash as seed (order-free, as Envoy).
            long h2 = 0;
            for (String v : values.stream().map(CharSequence::toString)
                    .map(v -> rewrite == null ? v : rewrite.replaceAll(v)).sorted().toList()) {
                h2 = XxHash64.hash(v, h2);
            }
            return OptionalLong.of(h2);
        }
        if (p instanceof HashPolicy.Cookie c) {
            String value = cookie(headers, c.name());
            if (value != null) {
                return OptionalLong.of(XxHash64.hash(value));
            }
            if (c.ttl() == null) {
                return OptionalLong.empty();
            }
            // One value per downstream connection, so racing streams get the same cookie.
            String generated = String.format("%016x", XxHash64.hash(asString(remote) + asString(local)));
            setCookie.accept(setCookieValue(c.name(), generated, c.path(), c.ttl(), c.attributes()));
            return OptionalLong.of(XxHash64.hash(generated));
        }
        if (p instanceof HashPolicy.SourceIp) {
            if (remote instanceof InetSocketAddress a && a.getAddress() != null) {
                // Envoy hashes the address as it prints it: RFC 5952 (::1), not Java's full form.
                return OptionalLong.of(XxHash64.hash(NetUtil.toAddressString(a.getAddress())));
            }
            return OptionalLong.empty();
        }
        if (p instanceof HashPolicy.QueryParameter q) {
            CharSequence path = headers.path();
            if (path == null) {
                return OptionalLong.empty();
            }
            // Envoy's QueryParamsMulti::parseQueryString: the first value, as sent (not percent-decoded).
            String v = QueryParameters.firstValue(path, q.name());
            return v == null ? OptionalLong.empty() : OptionalLong.of(XxHash64.hash(v));
        }
        if (p instanceof HashPolicy.FilterState f) {
            Object o = filterState.apply(f.key());
            // Only objects that can be hashed count; Envoy's string accessor hashes its value.
            return o instanceof CharSequence cs ? OptionalLong.of(XxHash64.hash(cs.toString())) : OptionalLong.empty();
        }
        return OptionalLong.empty();
    }

    public static String cookie(Http2Headers headers, String name) {
        for (CharSequence header : headers.getAll("cookie")) {
            for (Cookie c : ServerCookieDecoder.LAX.decodeAll(header.toString())) {
                if (c.name().equals(name)) {
                    return c.value();
                }
            }
        }
        return null;
    }

    public static String setCookieValue(String name, String value, String path, Duration ttl) {
        return setCookieValue(name, value, path, ttl, List.of());
    }

    /**
     * Envoy's {@code makeSetCookieValue}: quoted value, Max-Age unless a session cookie, Path, the
     * attributes, HttpOnly.
     */
    public static String setCookieValue(String name, String value, String path, Duration ttl,
                                        List<HashPolicy.CookieAttribute> attributes) {
        StringBuilder sb = new StringBuilder(name).append("=\"").append(value).append('"');
        if (!ttl.isZero()) {
            sb.append("; Max-Age=").append(ttl.toSeconds());
        }
        if (path != null && !path.isEmpty()) {
            sb.append("; Path=").append(path);
        }
        for (HashPolicy.CookieAttribute a : attributes) {
            sb.append("; ").append(a.name());
            if (!a.value().isEmpty()) {
                sb.append('=').append(a.value());
            }
        }
        return sb.append("; HttpOnly").toString();
    }

    public static String asString(SocketAddress a) {
        if (a instanceof InetSocketAddress i && i.getAddress() != null) {
            String ip = NetUtil.toAddressString(i.getAddress());
            return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + i.getPort();
        }
        return String.valueOf(a);
    }
}
