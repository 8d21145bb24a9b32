package io.remora.extensions.filters.http.header_to_metadata;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.StreamInfo;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamFilter;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/** Applies header_to_metadata rules to one stream's request and response headers. */
public final class HeaderToMetadataFilter implements StreamFilter {

    /** Envoy ignores header values over 8 KiB for metadata. */
    static final int MAX_VALUE_LENGTH = 8 * 1024;

    private final HeaderToMetadataConfig config;
    private DecoderFilterCallbacks decoder;
    private HeaderToMetadataConfig effective;

    HeaderToMetadataFilter(HeaderToMetadataConfig config) {
        this.config = config;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.decoder = callbacks;
    }

    @Override
    public void setEncoderFilterCallbacks(EncoderFilterCallbacks callbacks) {
    }

    private HeaderToMetadataConfig effective() {
        if (effective == null) {
            effective = decoder.perFilterConfig() instanceof HeaderToMetadataConfig route ? route : config;
        }
        return effective;
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        apply(effective().requestRules(), headers, decoder.streamInfo());
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeHeaders(Http2Headers headers, boolean endStream) {
        apply(effective().responseRules(), headers, decoder.streamInfo());
        return FilterStatus.CONTINUE;
    }

    static void apply(List<HeaderToMetadataConfig.Rule> rules, Http2Headers headers, StreamInfo info) {
        for (HeaderToMetadataConfig.Rule rule : rules) {
            String value = rule.header() != null ? first(headers, rule.header()) : io.remora.extensions.filters.http.common.RequestCookies.get(headers, rule.cookie());
            if (value != null && rule.onPresent() != null) {
                set(info, rule.onPresent(), value);
            } else if (value == null && rule.onMissing() != null) {
                set(info, rule.onMissing(), null);
            }
            if (value != null && rule.remove() && rule.header() != null) {
                headers.remove(rule.header());
            }
        }
    }

    /**
     * Sets one key/value of a rule from a value read off the request (null when missing), as
     * Envoy's header-to-metadata filters do (the thrift proxy's too).
     */
    public static void set(StreamInfo info, HeaderToMetadataConfig.KeyValue kv, String headerValue) {
        String v = kv.value() != null && !kv.value().isEmpty() ? kv.value() : headerValue;
        if (v == null || v.isEmpty() || v.length() > MAX_VALUE_LENGTH) {
            return;
        }
        if (kv.value() == null && kv.rewrite() != null) {
            v = kv.rewrite().replaceAll(v);
            if (v.isEmpty()) {
                return;
            }
        }
        if (kv.base64()) {
            try {
                v = new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return; // not base64: Envoy skips the value
            }
        }
        Object typed = switch (kv.type()) {
            case STRING -> v;
            case NUMBER -> number(v);
            case PROTOBUF_VALUE -> v; // a serialized google.protobuf.Value: kept as its text
        };
        if (typed != null) {
            info.setDynamicMetadata(kv.namespace(), kv.key(), typed);
        }
    }

    private static Double number(String v) {
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            return null; // Envoy drops a value that is not a number
        }
    }

    private static String first(Http2Headers headers, String name) {
        CharSequence v = headers.get(name);
        return v == null ? null : v.toString();
    }
}
