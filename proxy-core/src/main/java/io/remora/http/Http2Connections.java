package io.remora.http;

import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2RemoteFlowController;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.UniformStreamByteDistributor;

/**
 * The HTTP/2 connection state both directions build their handlers on.
 *
 * <p>Its send windows are shared out by Netty's {@link UniformStreamByteDistributor}, not the
 * builder's default weighted-fair queue: Envoy does not schedule by RFC 7540 priorities (RFC 9113
 * deprecated them), and the weighted queue keeps a priority-tree node, a priority queue and tree
 * events per stream, the largest part of what Netty's codec allocated per stream.
 */
public final class Http2Connections {

    /** Netty's default for streams a peer may hold reserved by PUSH_PROMISE. */
    private static final int MAX_RESERVED_STREAMS = 100;

    private Http2Connections() {
    }

    public static Http2Connection create(boolean server) {
        DefaultHttp2Connection connection = new DefaultHttp2Connection(server, MAX_RESERVED_STREAMS);
        connection.remote().flowController(
                new DefaultHttp2RemoteFlowController(connection, new UniformStreamByteDistributor(connection)));
        return connection;
    }
}
