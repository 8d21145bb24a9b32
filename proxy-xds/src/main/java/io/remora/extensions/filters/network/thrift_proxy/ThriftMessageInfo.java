package io.remora.extensions.filters.network.thrift_proxy;

import io.netty.buffer.ByteBuf;

/**
 * What Envoy's thrift_to_metadata HTTP filter reads off a Thrift message carried in a body: its
 * transport and protocol (as detected), method, message type, sequence id, header flags and, for a
 * reply, whether it is a success, with Envoy's names for each.
 *
 * @param headerFlags the header transport's flags, or null for another transport
 * @param replyType   "success" or "error" for a reply, else null
 */
public record ThriftMessageInfo(String transport, String protocol, String methodName, String messageType,
                                int sequenceId, Integer headerFlags, String replyType) {

    /**
     * The first message in {@code body} (left unmoved), or null while it is incomplete.
     *
     * @throws IllegalArgumentException when the bytes are not a Thrift message of that kind
     */
    public static ThriftMessageInfo read(ByteBuf body, ThriftProxyConfig.Transport transport,
                                         ThriftProxyConfig.Protocol protocol) {
        ThriftFrameDecoder d = new ThriftFrameDecoder(transport, protocol, true);
        ThriftMessage m;
        try {
            m = d.decode(body.duplicate());
        } catch (ThriftDecodeException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        if (m == null) {
            return null;
        }
        try {
            String reply = m.type == ThriftMessage.REPLY
                    ? ThriftTranscoder.replySuccess(d.codec(), m.body) ? "success" : "error" : null;
            return new ThriftMessageInfo(transportName(d.transport()), protocolName(d.protocol()), m.name,
                    messageTypeName(m.type), m.seqId, m.headerFlags < 0 ? null : m.headerFlags, reply);
        } finally {
            m.release();
        }
    }

    private static String transportName(ThriftProxyConfig.Transport t) {
        return switch (t) {
            case FRAMED -> "framed";
            case UNFRAMED -> "unframed";
            case HEADER -> "header";
            case AUTO -> "auto";
        };
    }

    private static String protocolName(ThriftProxyConfig.Protocol p) {
        return switch (p) {
            case BINARY -> "binary";
            case LAX_BINARY -> "binary/non-strict";
            case COMPACT -> "compact";
            case AUTO -> "auto";
        };
    }

    private static String messageTypeName(int type) {
        return switch (type) {
            case ThriftMessage.CALL -> "call";
            case ThriftMessage.REPLY -> "reply";
            case ThriftMessage.EXCEPTION -> "exception";
            case ThriftMessage.ONEWAY -> "oneway";
            default -> throw new IllegalArgumentException("invalid thrift message type " + type);
        };
    }
}
