package io.remora.http.upstream;

/**
 * Why an upstream stream ended without a complete response, as Envoy's
 * {@code Http::StreamResetReason}; {@link #text} is what Envoy prints after "reset reason: ",
 * {@link #detail} the token inside {@code upstream_reset_before_response_started{...}}.
 */
public enum ResetReason {
    CONNECTION_FAILURE("remote connection failure", "remote_connection_failure"),
    /** The connect failed on this side: the socket could not be bound to its source address. */
    LOCAL_CONNECTION_FAILURE("local connection failure", "local_connection_failure"),
    /** The cluster's connect_timeout passed before the connection (and its TLS handshake) was up. */
    CONNECTION_TIMEOUT("connection timeout", "connection_timeout"),
    CONNECTION_TERMINATION("connection termination", "connection_termination"),
    LOCAL_RESET("local reset", "local_reset"),
    REMOTE_RESET("remote reset", "remote_reset"),
    REMOTE_REFUSED_STREAM_RESET("remote refused stream reset", "remote_refused_stream_reset"),
    OVERFLOW("overflow", "overflow"),
    PROTOCOL_ERROR("protocol error", "protocol_error");

    public final String text;
    public final String detail;

    ResetReason(String text, String detail) {
        this.text = text;
        this.detail = detail;
    }

    /** The access log's response flag for a stream that ended so (UF, UO, UC, UPE, LR, UR). */
    public io.remora.accesslog.ResponseFlag responseFlag() {
        return switch (this) {
            case CONNECTION_FAILURE, LOCAL_CONNECTION_FAILURE, CONNECTION_TIMEOUT ->
                    io.remora.accesslog.ResponseFlag.UPSTREAM_CONNECTION_FAILURE;
            case OVERFLOW -> io.remora.accesslog.ResponseFlag.UPSTREAM_OVERFLOW;
            case CONNECTION_TERMINATION -> io.remora.accesslog.ResponseFlag.UPSTREAM_CONNECTION_TERMINATION;
            case PROTOCOL_ERROR -> io.remora.accesslog.ResponseFlag.UPSTREAM_PROTOCOL_ERROR;
            case LOCAL_RESET -> io.remora.accesslog.ResponseFlag.LOCAL_RESET;
            default -> io.remora.accesslog.ResponseFlag.UPSTREAM_REMOTE_RESET;
        };
    }

    /** No connection was made: what Envoy's retry_on connect-failure and the UF flag cover. */
    public boolean isConnectFailure() {
        return this == CONNECTION_FAILURE || this == LOCAL_CONNECTION_FAILURE || this == CONNECTION_TIMEOUT;
    }
}
