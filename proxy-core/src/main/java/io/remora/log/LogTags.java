package io.remora.log;

/**
 * The prefix Envoy puts on connection- and stream-scoped log lines (its ENVOY_CONN_LOG and
 * ENVOY_STREAM_LOG): {@code [Tags: "ConnectionId":"5"] } and
 * {@code [Tags: "ConnectionId":"5","StreamId":"1234"] }. The ids are those the access log prints
 * ({@code %CONNECTION_ID%}); the stream id is the stream's random 64-bit id, unsigned. Callers
 * build the prefix only after checking the logger's level, so it costs nothing when off.
 */
public final class LogTags {

    private LogTags() {
    }

    /** {@code [Tags: "ConnectionId":"<id>"] }; Envoy prints 0 for a stream without a connection. */
    public static String conn(long connectionId) {
        return "[Tags: \"ConnectionId\":\"" + Math.max(0, connectionId) + "\"] ";
    }

    /** The prefix of a line about the connection of {@code ch}. */
    public static String conn(io.netty.channel.Channel ch) {
        return conn(io.remora.network.ConnectionIds.of(ch));
    }

    /** {@code [Tags: "ConnectionId":"<id>","StreamId":"<id>"] }. */
    public static String stream(long connectionId, long streamId) {
        return "[Tags: \"ConnectionId\":\"" + Math.max(0, connectionId) + "\",\"StreamId\":\""
                + Long.toUnsignedString(streamId) + "\"] ";
    }
}
