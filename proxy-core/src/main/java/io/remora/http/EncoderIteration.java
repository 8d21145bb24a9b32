package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamEncoderFilter;

/** The response's direction of a chain: each step calls an encoder (a stream's chain and a try's alike). */
abstract class EncoderIteration extends FilterIteration {

    /** The {@code i}th encoder, in encode order (the last configured first). */
    abstract StreamEncoderFilter encoder(int i);

    @Override
    final FilterStatus callHeaders(int i, Http2Headers headers, boolean endStream) {
        return encoder(i).encodeHeaders(headers, endStream);
    }

    @Override
    final FilterStatus callData(int i, ByteBuf data, boolean endStream) {
        return encoder(i).encodeData(data, endStream);
    }

    @Override
    final FilterStatus callTrailers(int i, Http2Headers trailers) {
        return encoder(i).encodeTrailers(trailers);
    }
}
