package io.remora.accesslog;

/**
 * How a stream's downstream and upstream connections closed, Envoy 1.38's
 * {@code %DOWNSTREAM_LOCAL_CLOSE_REASON%}, {@code %UPSTREAM_LOCAL_CLOSE_REASON%} and the
 * {@code *_DETECTED_CLOSE_TYPE} operators: the reason this proxy gave when it closed a connection
 * itself (Envoy's LocalCloseReasons strings, constants here so recording one allocates nothing) and
 * what the close was, {@link Type}. A side is unset ({@code -}) until its connection closed while
 * the stream knew it. Kept only once some format names one of the operators ({@link #want()}).
 */
public final class ConnectionCloses {

    /** Envoy's DetectedCloseType; LOCAL_RESET where tcp_proxy passes a peer's reset on to the other side. */
    public enum Type {
        NORMAL("Normal"),
        LOCAL_RESET("LocalReset"),
        REMOTE_RESET("RemoteReset");

        public final String envoyName;

        Type(String envoyName) {
            this.envoyName = envoyName;
        }
    }

    // Envoy's StreamInfo::LocalCloseReasons, where Remora closes a connection for the same cause.
    public static final String IDLE_TIMEOUT = "on_idle_timeout";
    public static final String DRAINED = "deferred_close_on_drained_connection";
    public static final String HTTP2_PING_TIMEOUT = "http2_ping_timeout";
    public static final String HTTP2_PROTOCOL_VIOLATION = "http2_connection_protocol_violation";
    public static final String TRANSPORT_SOCKET_TIMEOUT = "transport_socket_timeout";
    public static final String DELAYED_CLOSE_TIMEOUT = "triggered_delayed_close_timeout";
    public static final String TCP_SESSION_IDLE_TIMEOUT = "tcp_session_idle_timeout";
    public static final String MAX_CONNECTION_DURATION = "max_connection_duration_reached";
    public static final String UPSTREAM_FOR_DOWNSTREAM_REMOTE_CLOSE =
            "closing_upstream_tcp_connection_due_to_downstream_remote_close";
    public static final String UPSTREAM_FOR_DOWNSTREAM_LOCAL_CLOSE =
            "closing_upstream_tcp_connection_due_to_downstream_local_close";
    public static final String UPSTREAM_FOR_DOWNSTREAM_RESET_CLOSE =
            "closing_upstream_tcp_connection_due_to_downstream_reset_close";

    /** Process-wide: set for good by the first format that names one of the operators. */
    private static volatile boolean wanted;

    String downstreamReason;
    Type downstreamType;
    String upstreamReason;
    Type upstreamType;

    ConnectionCloses() {
    }

    /** One side's close: the first type and the first reason recorded stand (a reset seen before the close event). */
    void record(boolean downstream, Type type, String reason) {
        if (downstream) {
            downstreamType = downstreamType == null ? type : downstreamType;
            downstreamReason = downstreamReason == null ? reason : downstreamReason;
        } else {
            upstreamType = upstreamType == null ? type : upstreamType;
            upstreamReason = upstreamReason == null ? reason : upstreamReason;
        }
    }

    static void want() {
        wanted = true;
    }

    /** Whether streams record closes (the cheap check before each record). */
    public static boolean wanted() {
        return wanted;
    }

    /**
     * The peer reset the connection (ECONNRESET: Java's "Connection reset", the native
     * transports' "Connection reset by peer", the splice relay's hang-up with bytes unread),
     * Envoy's RemoteReset, rather than closing it.
     */
    public static boolean isPeerReset(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof java.io.IOException && t.getMessage() != null
                    && t.getMessage().toLowerCase(java.util.Locale.ROOT).contains("connection reset")) {
                return true;
            }
        }
        return false;
    }

    /** The operator named {@code name}, or null when it is not one of these. */
    static FormatOps.Op of(String name, int maxLen) {
        return switch (name) {
            case "DOWNSTREAM_LOCAL_CLOSE_REASON" -> op(c -> c.downstreamReason, maxLen);
            case "UPSTREAM_LOCAL_CLOSE_REASON" -> op(c -> c.upstreamReason, maxLen);
            case "DOWNSTREAM_DETECTED_CLOSE_TYPE" -> op(c -> c.downstreamType == null ? null
                    : c.downstreamType.envoyName, maxLen);
            case "UPSTREAM_DETECTED_CLOSE_TYPE" -> op(c -> c.upstreamType == null ? null
                    : c.upstreamType.envoyName, maxLen);
            default -> null;
        };
    }

    private static FormatOps.Op op(java.util.function.Function<ConnectionCloses, String> field, int maxLen) {
        want();
        return FormatOps.str(i -> {
            ConnectionCloses c = i.closesIfAny();
            return c == null ? null : field.apply(c);
        }, maxLen);
    }
}
