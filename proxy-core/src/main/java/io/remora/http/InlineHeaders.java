package io.remora.http;

import io.netty.util.AsciiString;

import java.util.HashSet;
import java.util.Set;

/**
 * The headers Envoy's header maps keep in a slot of their own ("inline", O(1) access). A map has
 * one entry per inline name, so when a codec hands it the name twice the second value is appended
 * to the first: two {@code user-agent} lines reach the upstream as {@code user-agent: a,b}, while
 * any other name stays repeated (Envoy's {@code HeaderMapImpl::insertByKey} and
 * {@code appendToHeader}, with {@code delimiterByHeader}: "; " for cookie, "," otherwise).
 *
 * <p>The sets are those of a stock Envoy build: the names {@code envoy/http/header_map.h} declares
 * inline ({@code INLINE_REQ_HEADERS}, {@code INLINE_RESP_HEADERS}, {@code INLINE_REQ_RESP_HEADERS},
 * {@code INLINE_RESP_HEADERS_TRAILERS}) and the ones its linked-in extensions register with
 * {@code RegisterCustomInlineHeader} at start-up (cache, compressor, decompressor, CORS, CSRF,
 * JWT, OAuth2, gRPC-Web, gRPC reverse bridge, CEL attributes). Request and response maps differ,
 * and so do the trailer maps. Content-length and transfer-encoding are inline too, but the
 * codecs' framing checks own their repeats (refused or checked for agreement), so they are not
 * joined here; pseudo-headers cannot repeat.
 *
 * <p>A join allocates the joined value; nothing else does.
 */
public final class InlineHeaders {

    /** Envoy's four header map types ({@code CustomInlineHeaderRegistry::Type}). */
    public enum Kind {
        REQUEST_HEADERS, REQUEST_TRAILERS, RESPONSE_HEADERS, RESPONSE_TRAILERS
    }

    static final Kind[] KINDS = Kind.values();

    private static final AsciiString COOKIE = AsciiString.cached("cookie");
    private static final AsciiString COMMA = AsciiString.cached(",");
    private static final AsciiString SEMICOLON = AsciiString.cached("; ");

    private static final String[] BOTH = {
        "connection", "content-type", "x-envoy-decorator-operation", "keep-alive", "proxy-connection",
        "proxy-status", "x-request-id", "upgrade", "via", "x-envoy-attempt-count",
    };
    private static final String[] REQUEST = {
        "x-client-trace-id", "x-envoy-downstream-service-cluster", "x-envoy-downstream-service-node",
        "x-envoy-external-address", "x-envoy-force-trace", "x-envoy-hedge-on-per-try-timeout",
        "x-envoy-internal", "x-envoy-ip-tags", "x-envoy-retry-on", "x-envoy-retry-grpc-on",
        "x-envoy-retriable-status-codes", "x-envoy-retriable-header-names", "x-envoy-is-timeout-retry",
        "x-envoy-original-path", "x-envoy-original-url", "x-envoy-upstream-alt-stat-name",
        "x-envoy-upstream-rq-timeout-alt-response", "expect", "x-forwarded-client-cert", "x-forwarded-for",
        "x-forwarded-host", "x-forwarded-proto", "grpc-timeout", "te", "user-agent",
        "x-envoy-expected-rq-timeout-ms", "x-envoy-max-retries", "x-envoy-upstream-rq-timeout-ms",
        "x-envoy-upstream-rq-per-try-timeout-ms", "x-envoy-upstream-stream-duration-ms", "x-forwarded-port",
        // registered by extensions
        "accept", "accept-encoding", "access-control-request-headers", "access-control-request-method",
        "authorization", "cache-control", "content-encoding", "grpc-accept-encoding", "if-match",
        "if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "origin", "pragma", "referer",
    };
    private static final String[] RESPONSE = {
        "date", "x-envoy-degraded", "x-envoy-immediate-health-check-fail", "x-envoy-ratelimited",
        "x-envoy-upstream-canary", "x-envoy-upstream-healthchecked-cluster", "location", "server",
        "x-envoy-upstream-service-time", "grpc-status", "grpc-message",
        // registered by extensions
        "access-control-allow-credentials", "access-control-allow-headers", "access-control-allow-methods",
        "access-control-allow-origin", "access-control-allow-private-network", "access-control-expose-headers",
        "access-control-max-age", "age", "cache-control", "content-encoding", "etag", "expires",
        "last-modified", "vary",
    };
    private static final String[] RESPONSE_TRAILERS = {"grpc-status", "grpc-message"};

    /**
     * Per kind; replaced whole by {@link #register}, which runs before any worker starts (the
     * threads' start publishes it), as Envoy's registry is final once the first map is made.
     */
    private static final Set<AsciiString>[] SETS = sets();

    private InlineHeaders() {
    }

    @SuppressWarnings("unchecked")
    private static Set<AsciiString>[] sets() {
        Set<AsciiString>[] s = new Set[Kind.values().length];
        s[Kind.REQUEST_HEADERS.ordinal()] = names(BOTH, REQUEST);
        s[Kind.REQUEST_TRAILERS.ordinal()] = names();
        s[Kind.RESPONSE_HEADERS.ordinal()] = names(BOTH, RESPONSE);
        s[Kind.RESPONSE_TRAILERS.ordinal()] = names(RESPONSE_TRAILERS);
        return s;
    }

    private static Set<AsciiString> names(String[]... lists) {
        Set<AsciiString> out = new HashSet<>();
        for (String[] l : lists) {
            for (String n : l) {
                out.add(AsciiString.cached(n));
            }
        }
        return Set.copyOf(out);
    }

    /**
     * The bootstrap's {@code inline_headers}: {@code name} is inline in maps of this kind too (a
     * repeated cookie then joins with "; "). Process-wide, as Envoy's registry; at start-up only.
     */
    public static synchronized void register(Kind kind, String name) {
        AsciiString n = AsciiString.cached(name.toLowerCase(java.util.Locale.ROOT));
        Set<AsciiString> old = SETS[kind.ordinal()];
        if (!old.contains(n)) {
            Set<AsciiString> more = new HashSet<>(old);
            more.add(n);
            SETS[kind.ordinal()] = Set.copyOf(more);
        }
    }

    /** Whether a map of this kind keeps {@code name} (lower case) in one entry. */
    public static boolean inline(Kind kind, CharSequence name) {
        Set<AsciiString> s = SETS[kind.ordinal()];
        return name instanceof AsciiString a ? s.contains(a) : s.contains(new AsciiString(name));
    }

    /**
     * Adds {@code name: value} to {@code block} as a map of this kind does: appended to the entry
     * already there when the name is inline, a new entry otherwise.
     */
    public static void add(HeaderBlock block, Kind kind, CharSequence name, CharSequence value) {
        if (!joinInto(block, kind, name, value)) {
            block.add(name, value);
        }
    }

    /** Appends {@code value} to the entry named {@code name} when that is inline and present; false otherwise. */
    static boolean joinInto(HeaderBlock block, Kind kind, CharSequence name, CharSequence value) {
        if (block.isEmpty() || !inline(kind, name)) {
            return false;
        }
        int i = block.indexOf(name, 0);
        if (i < 0) {
            return false;
        }
        block.value(i, join(block.value(i), delimiter(name), value));
        return true;
    }

    static boolean isCookie(CharSequence name) {
        return AsciiString.contentEquals(name, COOKIE);
    }

    static int indexOfCookie(HeaderBlock block) {
        return block.indexOf(COOKIE, 0);
    }

    /** The H2 codecs' cookie crumbs (RFC 9113 8.2.3), joined whatever the map kind, as Envoy's codec does. */
    static boolean joinCookie(HeaderBlock block, CharSequence name, CharSequence value) {
        if (!AsciiString.contentEquals(name, COOKIE)) {
            return false;
        }
        int i = block.indexOf(name, 0);
        if (i < 0) {
            return false;
        }
        block.value(i, join(block.value(i), SEMICOLON, value));
        return true;
    }

    private static AsciiString delimiter(CharSequence name) {
        return AsciiString.contentEquals(name, COOKIE) ? SEMICOLON : COMMA;
    }

    private static AsciiString join(CharSequence first, AsciiString delimiter, CharSequence more) {
        int a = first.length();
        int d = delimiter.length();
        byte[] out = new byte[a + d + more.length()];
        copy(first, out, 0);
        copy(delimiter, out, a);
        copy(more, out, a + d);
        return new AsciiString(out, false);
    }

    private static void copy(CharSequence s, byte[] out, int at) {
        if (s instanceof AsciiString a) {
            a.copy(0, out, at, a.length());
            return;
        }
        for (int k = 0; k < s.length(); k++) {
            out[at + k] = (byte) s.charAt(k);
        }
    }
}
