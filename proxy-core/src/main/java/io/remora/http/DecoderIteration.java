package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamDecoderFilter;

/** The request's direction of a chain: each step calls a decoder (a stream's chain and a try's alike). */
abstract class DecoderIteration extends FilterIteration {

    /** The {@code i}th decoder, in configuration order. */
    abstract StreamDecoderFilter decoder(int i);

    @Override
    final FilterStatus callHeaders(int i, Http2Headers headers, boolean endStream) {
        return decoder(i).decodeHeaders(headers, endStream);
    }

    @Override
    final FilterStatus callData(int i, ByteBuf data, boolean endStream) {
        return decoder(i).decodeData(data, endStream);
    }

    @Override
    final FilterStatus callTrailers(int i, Http2Headers trailers) {
        return decoder(i).decodeTrailers(trailers);
    }
}
