package io.remora.http;

import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2RemoteFlowController;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.UniformStreamByteDistributor;
import io.remora.config.Http2Options;

/**
 * The HTTP/2 connection state both directions build their handlers on.
 *
 * <p>Its send windows are shared out by Netty's {@link UniformStreamByteDistributor}, not the
 * builder's default weighted-fair queue: Envoy does not schedule by RFC 7540 priorities (RFC 9113
 * deprecated them), and the weighted queue keeps a priority-tree node, a priority queue and tree
 * events per stream, the largest part of what Netty's codec allocated per stream. The distributor
 * is wrapped in a {@link Http2PendingSendBytes}, for the pending_send_bytes gauge, and a
 * {@link Http2DataFrameCounter}, for the WINDOW_UPDATE flood limit.
 */
public final class Http2Connections {

    /** Netty's default for streams a peer may hold reserved by PUSH_PROMISE. */
    private static final int MAX_RESERVED_STREAMS = 100;

    private Http2Connections() {
    }

    /** A connection, and the counter of the DATA frames it sends. */
    public record Counted(Http2Connection connection, Http2DataFrameCounter dataFrames) {
    }

    /**
     * Our SETTINGS from the options both directions share: hpack_table_size, then the
     * custom_settings_parameters (after the named ones: the translator refused the collisions).
     */
    public static Http2Settings settings(Http2Settings settings, Http2Options o) {
        settings.headerTableSize(o.hpackTableSize());
        // ENABLE_PUSH (only 0 gets this far) is left out: push is off both ways already, and Netty
        // refuses the parameter in a server's SETTINGS.
        o.customSettings().forEach((id, value) -> {
            if (id != Http2CodecUtil.SETTINGS_ENABLE_PUSH) {
                settings.put((char) id.intValue(), value);
            }
        });
        return settings;
    }

    /** A connection whose queued DATA bytes count in {@code pendingSendBytes}. */
    public static Counted create(boolean server, java.util.concurrent.atomic.AtomicLong pendingSendBytes) {
        DefaultHttp2Connection connection = new DefaultHttp2Connection(server, MAX_RESERVED_STREAMS);
        Http2DataFrameCounter dataFrames = new Http2DataFrameCounter(new Http2PendingSendBytes(
                new UniformStreamByteDistributor(connection), connection, pendingSendBytes));
        connection.remote().flowController(new DefaultHttp2RemoteFlowController(connection, dataFrames));
        return new Counted(connection, dataFrames);
    }
}
