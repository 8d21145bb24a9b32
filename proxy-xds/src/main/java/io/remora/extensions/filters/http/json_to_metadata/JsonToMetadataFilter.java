package io.remora.extensions.filters.http.json_to_metadata;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.micrometer.core.instrument.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.accesslog.StreamInfo;
import io.remora.extensions.filters.http.common.HcmCounters;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamFilter;

import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Holds a request (and a response) whose content type the rules allow until its whole body is
 * buffered, then writes the rules' values into the stream's dynamic metadata: {@code on_present}
 * with the JSON value, {@code on_missing} when it is not there (or the body is empty),
 * {@code on_error} when the body is not JSON or its content type is not allowed.
 */
final class JsonToMetadataFilter implements StreamFilter {

    /** Counter order: request then response, each success, mismatched_content_type, no_body, invalid_json_body. */
    static final String[] STATS = {
        "envoy_http_json_to_metadata_rq_success", "envoy_http_json_to_metadata_rq_mismatched_content_type",
        "envoy_http_json_to_metadata_rq_no_body", "envoy_http_json_to_metadata_rq_invalid_json_body",
        "envoy_http_json_to_metadata_resp_success", "envoy_http_json_to_metadata_resp_mismatched_content_type",
        "envoy_http_json_to_metadata_resp_no_body", "envoy_http_json_to_metadata_resp_invalid_json_body"};
    private static final int SUCCESS = 0;
    private static final int MISMATCHED = 1;
    private static final int NO_BODY = 2;
    private static final int INVALID_JSON = 3;
    private static final int RESPONSE = 4;

    private static final AsciiString CONTENT_TYPE = AsciiString.cached("content-type");

    private final JsonToMetadataConfig config;
    private final HcmCounters counters;
    private DecoderFilterCallbacks decoder;
    private EncoderFilterCallbacks encoder;
    private JsonToMetadataConfig effective;
    private boolean bufferingRequest;
    private boolean bufferingResponse;
    /** Values of one batch (a body or headers), by namespace; made only when a rule sets one. */
    private Map<String, Map<String, Object>> pending;

    JsonToMetadataFilter(JsonToMetadataConfig config, HcmCounters counters) {
        this.config = config;
        this.counters = counters;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.decoder = callbacks;
    }

    @Override
    public void setEncoderFilterCallbacks(EncoderFilterCallbacks callbacks) {
        this.encoder = callbacks;
    }

    private JsonToMetadataConfig effective() {
        if (effective == null) {
            effective = decoder.perFilterConfig() instanceof JsonToMetadataConfig route ? route : config;
        }
        return effective;
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        bufferingRequest = onHeaders(effective().request(), headers, endStream, 0);
        return bufferingRequest ? FilterStatus.STOP_ITERATION : FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus decodeData(ByteBuf data, boolean endStream) {
        if (!bufferingRequest) {
            return FilterStatus.CONTINUE;
        }
        if (!endStream) {
            return FilterStatus.STOP_ITERATION_AND_BUFFER; // past the stream's buffer limit the manager answers 413
        }
        bufferingRequest = false;
        onBody(effective().request(), decoder.decodingBuffer(), data, 0);
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus decodeTrailers(Http2Headers trailers) {
        if (bufferingRequest) {
            bufferingRequest = false;
            onBody(effective().request(), decoder.decodingBuffer(), null, 0);
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeHeaders(Http2Headers headers, boolean endStream) {
        bufferingResponse = onHeaders(effective().response(), headers, endStream, RESPONSE);
        return bufferingResponse ? FilterStatus.STOP_ITERATION : FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeData(ByteBuf data, boolean endStream) {
        if (!bufferingResponse) {
            return FilterStatus.CONTINUE;
        }
        if (!endStream) {
            return FilterStatus.STOP_ITERATION_AND_BUFFER; // past the limit the manager answers 500
        }
        bufferingResponse = false;
        onBody(effective().response(), encoder.encodingBuffer(), data, RESPONSE);
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeTrailers(Http2Headers trailers) {
        if (bufferingResponse) {
            bufferingResponse = false;
            onBody(effective().response(), encoder.encodingBuffer(), null, RESPONSE);
        }
        return FilterStatus.CONTINUE;
    }

    /** Whether the body is to be buffered; otherwise the rules are done with. */
    private boolean onHeaders(JsonToMetadataConfig.MatchRules rules, Http2Headers headers, boolean endStream,
                              int stats) {
        if (rules == null) {
            return false;
        }
        if (!rules.allows(headers.get(CONTENT_TYPE))) {
            applyAll(rules, true, stats);
            count(stats + MISMATCHED);
            return false;
        }
        if (endStream) {
            applyAll(rules, false, stats);
            count(stats + NO_BODY);
            return false;
        }
        return true;
    }

    /** The whole body is in: what the manager buffered, then {@code last} (null at trailers). */
    private void onBody(JsonToMetadataConfig.MatchRules rules, ByteBuf held, ByteBuf last, int stats) {
        int length = readable(held) + readable(last);
        if (length == 0) {
            applyAll(rules, false, stats);
            count(stats + NO_BODY);
            return;
        }
        JsonElement json = JsonBodyValues.parse(stream(held, last));
        if (json == null) {
            applyAll(rules, true, stats);
            count(stats + INVALID_JSON);
            return;
        }
        count(stats + SUCCESS);
        if (!(json instanceof JsonObject root)) {
            // Valid JSON but no object (a string, number or array): no key can be there.
            applyAll(rules, false, stats);
            return;
        }
        for (JsonToMetadataConfig.Rule rule : rules.rules()) {
            apply(rule, JsonBodyValues.select(root, rule.keys()));
        }
        write(stats);
    }

    private void apply(JsonToMetadataConfig.Rule rule, JsonElement found) {
        JsonToMetadataConfig.KeyValue present = rule.onPresent();
        if (found != null && present != null) {
            if (present.fixed()) {
                put(present, present.value());
                return;
            }
            Object v = JsonBodyValues.convert(found, present.type());
            if (v != null) {
                if (!"".equals(v) || present.type() != JsonToMetadataConfig.ValueType.STRING) {
                    put(present, v);
                }
                return;
            }
        }
        if (found == null || present != null) {
            // Missing, or there but not a value the type takes: Envoy falls back to on_missing.
            putFixed(rule.onMissing());
        }
    }

    private void applyAll(JsonToMetadataConfig.MatchRules rules, boolean error, int stats) {
        for (JsonToMetadataConfig.Rule rule : rules.rules()) {
            putFixed(error ? rule.onError() : rule.onMissing());
        }
        write(stats);
    }

    private void putFixed(JsonToMetadataConfig.KeyValue kv) {
        if (kv != null) {
            put(kv, kv.value());
        }
    }

    /** Envoy checks preserve_existing_metadata_value against the metadata before this batch. */
    private void put(JsonToMetadataConfig.KeyValue kv, Object value) {
        if (value == null) {
            return;
        }
        if (kv.preserveExisting() && decoder.streamInfo().dynamicMetadata(kv.namespace()).containsKey(kv.key())) {
            return;
        }
        if (pending == null) {
            pending = new LinkedHashMap<>(2);
        }
        pending.computeIfAbsent(kv.namespace(), n -> new LinkedHashMap<>(4)).put(kv.key(), value);
    }

    private void write(int stats) {
        if (pending == null) {
            return;
        }
        Map<String, Map<String, Object>> out = pending;
        pending = null;
        StreamInfo info = decoder.streamInfo();
        out.forEach((ns, values) -> values.forEach((k, v) -> info.setDynamicMetadata(ns, k, v)));
        if (stats != RESPONSE) {
            // As Envoy: request metadata may change the route (e.g. a metadata-matched cluster).
            decoder.clearRouteCache();
        }
    }

    private void count(int stat) {
        Counter[] c = counters.of(decoder.connectionManagerStats().prefix());
        c[stat].increment();
    }

    private static int readable(ByteBuf b) {
        return b == null ? 0 : b.readableBytes();
    }

    private static InputStream stream(ByteBuf held, ByteBuf last) {
        InputStream a = held == null ? InputStream.nullInputStream() : new ByteBufInputStream(held.duplicate());
        return last == null ? a : new SequenceInputStream(a, new ByteBufInputStream(last.duplicate()));
    }
}
