package io.remora.extensions.filters.http.cache;

import io.netty.util.AsciiString;

/** The header names the cache reads and writes, made once (Envoy's cache_custom_headers). */
final class CacheHeaders {

    static final AsciiString AGE = AsciiString.cached("age");
    static final AsciiString AUTHORIZATION = AsciiString.cached("authorization");
    static final AsciiString CACHE_CONTROL = AsciiString.cached("cache-control");
    static final AsciiString CONTENT_LENGTH = AsciiString.cached("content-length");
    static final AsciiString CONTENT_RANGE = AsciiString.cached("content-range");
    static final AsciiString DATE = AsciiString.cached("date");
    static final AsciiString ETAG = AsciiString.cached("etag");
    static final AsciiString EXPIRES = AsciiString.cached("expires");
    static final AsciiString IF_MODIFIED_SINCE = AsciiString.cached("if-modified-since");
    static final AsciiString IF_NONE_MATCH = AsciiString.cached("if-none-match");
    static final AsciiString IF_RANGE = AsciiString.cached("if-range");
    static final AsciiString LAST_MODIFIED = AsciiString.cached("last-modified");
    static final AsciiString PRAGMA = AsciiString.cached("pragma");
    static final AsciiString RANGE = AsciiString.cached("range");
    static final AsciiString VARY = AsciiString.cached("vary");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");

    private CacheHeaders() {
    }
}
