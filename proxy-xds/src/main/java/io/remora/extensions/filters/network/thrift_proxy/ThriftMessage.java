package io.remora.extensions.filters.network.thrift_proxy;

import io.netty.buffer.ByteBuf;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One decoded Thrift message: its begin (name, type, sequence id), the header transport's headers
 * and the struct that follows, still encoded in {@link #protocol} ({@link #body}, retained).
 */
final class ThriftMessage {

    static final int CALL = 1;
    static final int REPLY = 2;
    static final int EXCEPTION = 3;
    static final int ONEWAY = 4;

    String name;
    int type;
    int seqId;
    /** The header transport's key/value headers (insertion order); empty for other transports. */
    final Map<String, String> headers = new LinkedHashMap<>();
    ThriftProxyConfig.Protocol protocol;
    ByteBuf body;
    /** For a reply: true when its result struct holds field 0 (success) or nothing (void). */
    boolean success;
    /** The header transport's flags; -1 for other transports. */
    int headerFlags = -1;
    /** The whole frame's size as received, for the size histograms. */
    int wireSize;

    void release() {
        if (body != null) {
            body.release();
            body = null;
        }
    }
}
