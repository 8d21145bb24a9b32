package io.remora.http.upstream;

/**
 * Why an upstream stream ended without a complete response, as Envoy's
 * {@code Http::StreamResetReason}; {@link #text} is what Envoy prints after "reset reason: ",
 * {@link #detail} the token inside {@code upstream_reset_before_response_started{...}}.
 */
public enum ResetReason {
    CONNECTION_FAILURE("remote connection failure", "remote_connection_failure"),
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
}
