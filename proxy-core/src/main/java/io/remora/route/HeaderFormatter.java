package io.remora.route;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.AccessLogFormatter;
import io.remora.accesslog.FormatContext;
import io.remora.accesslog.StreamInfo;

import java.util.ArrayList;
import java.util.List;

/**
 * A header value with Envoy's command operators, formatted as Envoy's HeaderParser does: by the
 * substitution formatter (Remora's {@link AccessLogFormatter}, so every access log operator works
 * here) with omit_empty_values, after converting the legacy header syntax
 * ({@link LegacyHeaderOperators}). An operator without a value yields "" (and the caller then
 * leaves the header out unless keep_empty_value). A value without operators is returned as the same
 * String every time. Compiled once per config.
 *
 * <p>Envoy rejects a value with an unknown operator or a stray '%'; {@link #validate} reports them
 * so that translators can do the same. A formatter compiled anyway keeps such a value literally.
 */
public final class HeaderFormatter {

    /** What the operators read when a value is formatted. */
    public interface Context {
        /** The stream's (or connection's) info; null only where nothing is known (operators yield ""). */
        StreamInfo streamInfo();

        /**
         * The downstream request headers, read by %REQ(...)% when formatting response headers;
         * null when unknown. (Request header values read the headers being mutated.)
         */
        default Http2Headers requestHeaders() {
            StreamInfo i = streamInfo();
            return i == null ? null : i.requestHeaders;
        }
    }

    private final String source;
    /** Non-null when the value has no operators. */
    private final String literal;
    private final AccessLogFormatter formatter;
    private final int sizeHint;

    private HeaderFormatter(String source, String literal, AccessLogFormatter formatter) {
        this.source = source;
        this.literal = literal;
        this.formatter = formatter;
        this.sizeHint = Math.max(16, source.length() + 16);
    }

    public static HeaderFormatter compile(String format) {
        AccessLogFormatter f;
        try {
            f = AccessLogFormatter.text(LegacyHeaderOperators.translate(format), true);
        } catch (IllegalArgumentException invalid) {
            // validate() reports it; kept as the text it is, as before translation checks existed.
            return new HeaderFormatter(format, format, null);
        }
        return new HeaderFormatter(format, f.literal(), f);
    }

    /**
     * Problems Envoy would reject the value for (unknown operators, a stray '%', an operator's
     * parameter or length its syntax does not allow); empty when valid.
     */
    public static List<String> validate(String format) {
        List<String> problems = new ArrayList<>();
        try {
            AccessLogFormatter.text(LegacyHeaderOperators.translate(format), true);
        } catch (IllegalArgumentException e) {
            problems.add("invalid header value '" + format + "': " + e.getMessage().replace("access log format: ", ""));
        }
        return problems;
    }

    /**
     * Envoy's deprecation warnings for the value's legacy syntax ({@code %UPSTREAM_METADATA(["ns", "k"])%},
     * {@code %PER_REQUEST_STATE(k)%}), which is converted, not refused; empty when it has none.
     */
    public static List<String> deprecations(String format) {
        return LegacyHeaderOperators.deprecations(format);
    }

    /** Whether the value has no operators (formatting it is free). */
    public boolean isLiteral() {
        return literal != null;
    }

    public String source() {
        return source;
    }

    /**
     * A request header value.
     *
     * @param requestHeaders the request headers %REQ()% reads (may be null)
     * @param context        stream facts (may be null: operators then yield "")
     */
    public String format(Http2Headers requestHeaders, Context context) {
        return format(requestHeaders, null, context);
    }

    /**
     * A value formatted against the request headers and, for a response header value, the response
     * headers being changed (what %RESP()% reads), as Envoy's formatter context holds them.
     */
    public String format(Http2Headers requestHeaders, Http2Headers responseHeaders, Context context) {
        if (literal != null) {
            return literal;
        }
        StreamInfo info = context == null ? null : context.streamInfo();
        return formatter.format(new Input(info == null ? new StreamInfo() : info, requestHeaders, responseHeaders),
                sizeHint);
    }

    @Override
    public String toString() {
        return source;
    }

    /** The headers a header value reads: those being changed, not yet the stream info's. */
    private record Input(StreamInfo streamInfo, Http2Headers requestHeaders, Http2Headers responseHeaders)
            implements FormatContext {
        @Override
        public Http2Headers responseTrailers() {
            return null;
        }
    }
}
