package io.remora.http.upstream;

import io.netty.channel.ConnectTimeoutException;

import java.net.BindException;
import java.util.regex.Pattern;

/**
 * Why an upstream connect failed, in Envoy's words: the reset reason its connection pool reports
 * (a connect_timeout is "connection timeout", a socket that could not be bound a local failure,
 * anything else, a refused or reset connect, a failed TLS handshake, a remote one) and the
 * transport failure reason its connection sets ("delayed connect error: Connection refused" when
 * the connect failed after it was started, "immediate connect error: ..." when the connect call
 * itself failed, nothing for a timeout). Envoy prints both in the 503 body, and logs the second
 * as %UPSTREAM_TRANSPORT_FAILURE_REASON%.
 */
public final class ConnectFailure {
    /** Netty's native errors: "finishConnect(..) failed with error(-111): Connection refused". */
    private static final String ERRNO_TEXT = "): ";
    /** What Netty appends to a connect exception: ": " and the remote address (host/ip:port or a path). */
    private static final Pattern ADDRESS_SUFFIX = Pattern.compile(": [^\\s/]*/\\S*$");

    private ConnectFailure() {
    }

    public static ResetReason reason(Throwable cause) {
        if (cause instanceof ConnectTimeoutException) {
            return ResetReason.CONNECTION_TIMEOUT;
        }
        if (cause instanceof BindException || String.valueOf(cause.getMessage()).startsWith("bind(")) {
            return ResetReason.LOCAL_CONNECTION_FAILURE;
        }
        return ResetReason.CONNECTION_FAILURE;
    }

    /**
     * A connect whose socket could not be bound to {@code source}, with Envoy's failure reason:
     * "failed to bind to 192.0.2.1:0: Cannot assign requested address" (strerror's text).
     */
    public static BindException bindFailure(Throwable cause, java.net.SocketAddress source) {
        String m = String.valueOf(cause.getMessage());
        int errno = m.indexOf(ERRNO_TEXT);
        String text = errno >= 0 && m.indexOf('(') < errno ? m.substring(errno + ERRNO_TEXT.length()) : m;
        BindException e = new BindException("failed to bind to "
                + io.remora.accesslog.AccessLogFormatter.address(source, true) + ": " + text);
        e.initCause(cause);
        return e;
    }

    /** The transport failure reason, or null (a timeout has none in Envoy either). */
    public static String transportFailure(Throwable cause) {
        if (cause == null || cause instanceof ConnectTimeoutException) {
            return null;
        }
        String m = cause.getMessage();
        if (m == null) {
            return cause.getClass().getSimpleName();
        }
        if (!(cause instanceof java.net.ConnectException)) {
            return m;
        }
        boolean immediate = m.startsWith("connect(");
        int errno = m.indexOf(ERRNO_TEXT);
        String text = errno >= 0 && m.indexOf('(') < errno ? m.substring(errno + ERRNO_TEXT.length()) : m;
        text = ADDRESS_SUFFIX.matcher(text).replaceFirst("");
        return (immediate ? "immediate connect error: " : "delayed connect error: ") + text;
    }
}
