package io.remora.extensions.cel;

import io.netty.handler.codec.http2.Http2Headers;

import java.util.AbstractMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code request.headers} / {@code response.headers} / {@code response.trailers}: a header map as
 * a CEL {@code map<string, string>}, looked up without regard to case, several values of one
 * name joined by ',' (Envoy's HeadersWrapper).
 */
final class HeadersView extends AbstractMap<String, Object> {

    private final Http2Headers headers;

    HeadersView(Http2Headers headers) {
        this.headers = headers;
    }

    @Override
    public Object get(Object key) {
        if (!(key instanceof String k)) {
            return null;
        }
        List<CharSequence> all = headers.getAll(k.toLowerCase(Locale.ROOT));
        if (all.isEmpty()) {
            return null;
        }
        if (all.size() == 1) {
            return all.get(0).toString();
        }
        StringBuilder sb = new StringBuilder();
        for (CharSequence v : all) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(v);
        }
        return sb.toString();
    }

    @Override
    public boolean containsKey(Object key) {
        return key instanceof String k && headers.contains(k.toLowerCase(Locale.ROOT));
    }

    @Override
    public int size() {
        return entrySet().size();
    }

    @Override
    public Set<Entry<String, Object>> entrySet() {
        Map<String, Object> all = new LinkedHashMap<>();
        for (Map.Entry<CharSequence, CharSequence> e : headers) {
            String name = e.getKey().toString();
            all.putIfAbsent(name, get(name));
        }
        return all.entrySet();
    }

    /** The headers' size as Envoy counts it for {@code total_size}: names and values. */
    static long byteSize(Http2Headers headers) {
        long n = 0;
        if (headers != null) {
            for (Map.Entry<CharSequence, CharSequence> e : headers) {
                n += e.getKey().length() + e.getValue().length();
            }
        }
        return n;
    }
}
