package io.remora.extensions.filters.http.common;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

/** Envoy's {@code Http::Utility::buildOriginalUri}, which auth filters put in their challenges and audiences. */
public final class OriginalUri {
    private static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    private static final int MAX_PATH = 256;

    private OriginalUri() {
    }

    /** Forwarded proto (else the scheme, else http), host, and the path cut at 256 characters. */
    public static String of(Http2Headers h) {
        CharSequence proto = h.get(X_FORWARDED_PROTO);
        if (proto == null) {
            proto = h.scheme() == null ? "http" : h.scheme();
        }
        String path = h.path() == null ? "" : h.path().toString();
        if (path.length() > MAX_PATH) {
            path = path.substring(0, MAX_PATH);
        }
        return proto + "://" + (h.authority() == null ? "" : h.authority()) + path;
    }
}
