package io.remora.extensions.filters.http.thrift_to_metadata;

import io.micrometer.core.instrument.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.accesslog.StreamInfo;
import io.remora.extensions.filters.network.thrift_proxy.ThriftMessageInfo;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamFilter;

import java.util.List;

/**
 * Holds a request (and a response) whose content type is allowed until its Thrift message can
 * be read, then writes the rules' values; a body that is not Thrift, is cut short or is empty
 * gets every rule's {@code on_missing}. Counters as Envoy's {@code thrift_to_metadata.rq.*} and
 * {@code .resp.*}: success, mismatched_content_type, no_body, invalid_thrift_body.
 */
final class ThriftToMetadataFilter implements StreamFilter {

    /** Counter order: success, mismatched_content_type, no_body, invalid_thrift_body. */
    static final String[] STATS = {"success", "mismatched_content_type", "no_body", "invalid_thrift_body"};
    private static final int SUCCESS = 0;
    private static final int MISMATCHED = 1;
    private static final int NO_BODY = 2;
    private static final int INVALID = 3;
    private static final AsciiString CONTENT_TYPE = AsciiString.cached("content-type");

    private final ThriftToMetadataConfig config;
    private final Counter[] request;
    private final Counter[] response;
    private io.remora.http.filter.DecoderFilterCallbacks decoder;
    private io.remora.http.filter.EncoderFilterCallbacks encoder;
    private boolean readingRequest;
    private boolean readingResponse;

    ThriftToMetadataFilter(ThriftToMetadataConfig config, Counter[] request, Counter[] response) {
        this.config = config;
        this.request = request;
        this.response = response;
    }

    @Override
    public void setDecoderFilterCallbacks(io.remora.http.filter.DecoderFilterCallbacks callbacks) {
        this.decoder = callbacks;
    }

    @Override
    public void setEncoderFilterCallbacks(io.remora.http.filter.EncoderFilterCallbacks callbacks) {
        this.encoder = callbacks;
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        readingRequest = onHeaders(config.requestRules(), request, headers, endStream);
        return readingRequest ? FilterStatus.STOP_ITERATION : FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus decodeData(ByteBuf data, boolean endStream) {
        if (!readingRequest) {
            return FilterStatus.CONTINUE;
        }
        readingRequest = !onData(config.requestRules(), request, decoder.decodingBuffer(), data, endStream);
        return readingRequest ? FilterStatus.STOP_ITERATION_AND_BUFFER : FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus decodeTrailers(Http2Headers trailers) {
        if (readingRequest) {
            readingRequest = false;
            missing(config.requestRules(), request, INVALID);
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeHeaders(Http2Headers headers, boolean endStream) {
        readingResponse = onHeaders(config.responseRules(), response, headers, endStream);
        return readingResponse ? FilterStatus.STOP_ITERATION : FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeData(ByteBuf data, boolean endStream) {
        if (!readingResponse) {
            return FilterStatus.CONTINUE;
        }
        readingResponse = !onData(config.responseRules(), response, encoder.encodingBuffer(), data, endStream);
        return readingResponse ? FilterStatus.STOP_ITERATION_AND_BUFFER : FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeTrailers(Http2Headers trailers) {
        if (readingResponse) {
            readingResponse = false;
            missing(config.responseRules(), response, INVALID);
        }
        return FilterStatus.CONTINUE;
    }

    /** Whether the body is to be read; otherwise the rules are done with. */
    private boolean onHeaders(List<ThriftToMetadataConfig.Rule> rules, Counter[] stats, Http2Headers headers,
                              boolean endStream) {
        if (rules.isEmpty()) {
            return false;
        }
        if (!config.allows(headers.get(CONTENT_TYPE))) {
            stats[MISMATCHED].increment();
            return false;
        }
        if (endStream) {
            missing(rules, stats, NO_BODY);
            return false;
        }
        return true;
    }

    /** True once the rules are done: the message was read, or cannot be. */
    private boolean onData(List<ThriftToMetadataConfig.Rule> rules, Counter[] stats, ByteBuf held, ByteBuf data,
                           boolean endStream) {
        ByteBuf body = held == null || !held.isReadable() ? data.retainedDuplicate()
                : Unpooled.wrappedBuffer(held.retainedDuplicate(), data.retainedDuplicate());
        ThriftMessageInfo m;
        try {
            m = ThriftMessageInfo.read(body, config.transport(), config.protocol());
        } catch (IllegalArgumentException e) {
            missing(rules, stats, INVALID);
            return true;
        } finally {
            body.release();
        }
        if (m == null) {
            if (endStream) {
                missing(rules, stats, INVALID);
                return true;
            }
            return false;
        }
        StreamInfo info = decoder.streamInfo();
        for (ThriftToMetadataConfig.Rule r : rules) {
            Object v = r.field().of(m);
            if (v != null && r.onPresent() != null) {
                put(info, r.onPresent(), r.onPresent().value() != null ? r.onPresent().value() : v);
            } else if (v == null && r.onMissing() != null) {
                put(info, r.onMissing(), r.onMissing().value());
            }
        }
        stats[SUCCESS].increment();
        return true;
    }

    private void missing(List<ThriftToMetadataConfig.Rule> rules, Counter[] stats, int why) {
        StreamInfo info = decoder.streamInfo();
        for (ThriftToMetadataConfig.Rule r : rules) {
            if (r.onMissing() != null) {
                put(info, r.onMissing(), r.onMissing().value());
            }
        }
        stats[why].increment();
    }

    private static void put(StreamInfo info, ThriftToMetadataConfig.KeyValue kv, Object value) {
        if (value != null) {
            info.setDynamicMetadata(kv.namespace(), kv.key(), value);
        }
    }
}
