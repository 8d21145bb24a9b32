package io.remora.config;

/**
 * One data input of a {@link UnifiedMatcher}: the connection facts of Envoy's network inputs
 * ({@code envoy.extensions.matching.common_inputs.network.v3.*}), the peer certificate's
 * ({@code ...common_inputs.ssl.v3.*}), a request header ({@code HttpRequestHeaderMatchInput}),
 * a request query parameter ({@code HttpRequestQueryParamMatchInput}),
 * a request trailer, response header or response trailer (their {@code Http*MatchInput}s, which
 * only filters wrapped by an {@code ExtensionWithMatcher} see) or a filter state object
 * ({@code FilterStateInput}), or a value in the dynamic metadata ({@code DynamicMetadataInput},
 * which only the metadata input matcher reads).
 *
 * @param key  the header name (lower case), query parameter name, filter state key or metadata namespace; null
 *             for the other kinds
 * @param path DYNAMIC_METADATA only: the keys from the namespace's struct down to the value; else empty
 */
public record MatchInput(Kind kind, String key, java.util.List<String> path) {

    public enum Kind {
        DESTINATION_IP, DESTINATION_PORT, SOURCE_IP, SOURCE_PORT, DIRECT_SOURCE_IP, SOURCE_TYPE, SERVER_NAME,
        TRANSPORT_PROTOCOL, APPLICATION_PROTOCOL, URI_SAN, DNS_SAN, SUBJECT, REQUEST_HEADER, FILTER_STATE,
        REQUEST_TRAILER, RESPONSE_HEADER, RESPONSE_TRAILER, RESPONSE_STATUS_CODE, RESPONSE_STATUS_CODE_CLASS,
        DYNAMIC_METADATA, REQUEST_QUERY_PARAM,
        /** {@code xds.type.matcher.v3.HttpAttributesCelMatchInput}: no value, the whole stream for a CEL matcher. */
        HTTP_ATTRIBUTES;

        /** Whether inputs of this kind name something (a header, a filter state key, a metadata namespace). */
        public boolean keyed() {
            return this == REQUEST_HEADER || this == FILTER_STATE || this == REQUEST_TRAILER
                    || this == RESPONSE_HEADER || this == RESPONSE_TRAILER || this == DYNAMIC_METADATA
                    || this == REQUEST_QUERY_PARAM;
        }
    }

    public static final MatchInput DESTINATION_IP = new MatchInput(Kind.DESTINATION_IP, null);
    public static final MatchInput DESTINATION_PORT = new MatchInput(Kind.DESTINATION_PORT, null);
    public static final MatchInput SOURCE_IP = new MatchInput(Kind.SOURCE_IP, null);
    public static final MatchInput SOURCE_PORT = new MatchInput(Kind.SOURCE_PORT, null);
    public static final MatchInput DIRECT_SOURCE_IP = new MatchInput(Kind.DIRECT_SOURCE_IP, null);
    public static final MatchInput SOURCE_TYPE = new MatchInput(Kind.SOURCE_TYPE, null);
    public static final MatchInput SERVER_NAME = new MatchInput(Kind.SERVER_NAME, null);
    public static final MatchInput TRANSPORT_PROTOCOL = new MatchInput(Kind.TRANSPORT_PROTOCOL, null);
    public static final MatchInput APPLICATION_PROTOCOL = new MatchInput(Kind.APPLICATION_PROTOCOL, null);
    public static final MatchInput URI_SAN = new MatchInput(Kind.URI_SAN, null);
    public static final MatchInput DNS_SAN = new MatchInput(Kind.DNS_SAN, null);
    public static final MatchInput SUBJECT = new MatchInput(Kind.SUBJECT, null);
    /** {@code HttpResponseStatusCodeMatchInput}: the response's status, e.g. "401". */
    public static final MatchInput RESPONSE_STATUS_CODE = new MatchInput(Kind.RESPONSE_STATUS_CODE, null);
    /** {@code HttpResponseStatusCodeClassMatchInput}: "1xx" to "5xx", nothing for another status. */
    public static final MatchInput RESPONSE_STATUS_CODE_CLASS = new MatchInput(Kind.RESPONSE_STATUS_CODE_CLASS, null);
    public static final MatchInput HTTP_ATTRIBUTES = new MatchInput(Kind.HTTP_ATTRIBUTES, null);

    public MatchInput {
        if (kind.keyed() == (key == null)) {
            throw new IllegalArgumentException(kind + (key == null ? " needs a key" : " takes no key"));
        }
        path = path == null ? java.util.List.of() : java.util.List.copyOf(path);
        if ((kind == Kind.DYNAMIC_METADATA) == path.isEmpty()) {
            throw new IllegalArgumentException(kind + (path.isEmpty() ? " needs a path" : " takes no path"));
        }
    }

    public MatchInput(Kind kind, String key) {
        this(kind, key, null);
    }

    /** {@code DynamicMetadataInput}: the value at path in namespace filter. */
    public static MatchInput dynamicMetadata(String filter, java.util.List<String> path) {
        return new MatchInput(Kind.DYNAMIC_METADATA, filter, path);
    }

    public static MatchInput requestHeader(String name) {
        return new MatchInput(Kind.REQUEST_HEADER, name.toLowerCase(java.util.Locale.ROOT));
    }

    /** A request trailer, response header or response trailer (by kind) named {@code name}. */
    public static MatchInput header(Kind kind, String name) {
        return new MatchInput(kind, name.toLowerCase(java.util.Locale.ROOT));
    }

    /** {@code HttpRequestQueryParamMatchInput}: the first value of the (case-sensitive) parameter. */
    public static MatchInput queryParam(String name) {
        return new MatchInput(Kind.REQUEST_QUERY_PARAM, name);
    }

    public static MatchInput filterState(String key) {
        return new MatchInput(Kind.FILTER_STATE, key);
    }

    /** Whether the IP matchers can take it (an address input). */
    public boolean isAddress() {
        return kind == Kind.DESTINATION_IP || kind == Kind.SOURCE_IP || kind == Kind.DIRECT_SOURCE_IP;
    }
}
