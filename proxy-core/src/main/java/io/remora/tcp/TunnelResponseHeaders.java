package io.remora.tcp;

import io.netty.handler.codec.http2.Http2Headers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tunnel's response headers or trailers kept in the downstream connection's filter state
 * ({@code tunneling_config.propagate_response_headers}/{@code _trailers}), for network filters and
 * access logs. {@code %FILTER_STATE(...:TYPED)%} is the JSON of Envoy's {@code config.core.v3.HeaderMap},
 * the proto Envoy's object serializes to; it has no PLAIN form, as Envoy's has no serializeAsString.
 */
public final class TunnelResponseHeaders implements io.remora.accesslog.FilterStateProto {

    /** Envoy's TunnelResponseHeaders key. */
    public static final String HEADERS_KEY = "envoy.tcp_proxy.propagate_response_headers";
    /** Envoy's TunnelResponseTrailers key. */
    public static final String TRAILERS_KEY = "envoy.tcp_proxy.propagate_response_trailers";

    private final String[] entries;

    TunnelResponseHeaders(Http2Headers headers) {
        entries = new String[headers.size() * 2];
        int i = 0;
        for (Map.Entry<CharSequence, CharSequence> e : headers) {
            entries[i++] = e.getKey().toString();
            entries[i++] = e.getValue().toString();
        }
    }

    /** The value of the first entry named {@code name} (lower case), or null. */
    public String get(String name) {
        for (int i = 0; i < entries.length; i += 2) {
            if (entries[i].equals(name)) {
                return entries[i + 1];
            }
        }
        return null;
    }

    @Override
    public Object protoJson() {
        if (entries.length == 0) {
            return Map.of(); // proto3 JSON leaves an empty list out
        }
        List<Map<String, String>> headers = new ArrayList<>(entries.length / 2);
        for (int i = 0; i < entries.length; i += 2) {
            Map<String, String> h = new LinkedHashMap<>(4);
            h.put("key", entries[i]);
            h.put("value", entries[i + 1]);
            headers.add(h);
        }
        return Map.of("headers", headers);
    }

    @Override
    public String toString() {
        return io.remora.admin.Json.write(protoJson());
    }
}
