package io.remora.http.upstream;

import io.remora.config.Http1Options;
import io.remora.http.HeaderBlock;

/**
 * Puts a complete head together as the connection's {@code http_protocol_options} ask, as Envoy's
 * codec does when its parser reports the headers complete: the start line of the side, only the
 * methods Envoy's parser knows unless {@code allow_custom_methods}, the header block (keeping the
 * original case under {@code preserve_case}, with the reason phrase when it is forwarded), the
 * fields, then the body's framing. {@link Http1Parser} finds the head in the byte stream;
 * {@link Http1StartLine} and {@link Http1FieldLines} know its grammar.
 */
final class Http1HeadDecoder {

    private Http1HeadDecoder() {
    }

    /**
     * @param bytes   the head, from the start line to its empty line ({@code length} bytes)
     * @param lineEnd where the start line ends (after its LF)
     * @return null, or the response code details of what is wrong ({@link Http1Head#NOT_IMPLEMENTED}: 501)
     */
    static String decode(Http1Head head, byte[] bytes, int lineEnd, int length, Http1Options options) {
        String error = head.request ? Http1StartLine.requestLine(head, bytes, lineEnd)
                : Http1StartLine.statusLine(head, bytes, lineEnd);
        if (error == null && head.request && !options.allowCustomMethods() && !Http1StartLine.knownMethod(head.method)) {
            error = "http1.codec_error"; // as Envoy's parser: only its list of methods unless allow_custom_methods
        }
        if (error != null) {
            // BalsaParser checks the request line for control characters with the field lines, after
            // its own checks of the line: that error is the one a head read whole reports.
            return head.request ? Http1FieldLines.lineError(bytes, 0, length) : error;
        }
        // Sized by fields() once it has counted the lines.
        OriginalHeaderCase original = null;
        if (options.headerKeyFormat() == Http1Options.HeaderKeyFormat.PRESERVE_CASE) {
            original = new OriginalHeaderCase(options.properCaseEnvoyHeaders());
            if (!head.request && options.forwardReasonPhrase()) {
                original.reasonPhrase(Http1StartLine.reasonPhrase(bytes, lineEnd));
            }
            head.headers = new io.remora.http.CasedHeaderBlock(0, original);
        } else {
            head.headers = new HeaderBlock(0);
        }
        error = Http1FieldLines.fields(head, head.headers, bytes, lineEnd, length, true, original);
        return error != null ? error : head.frame(options.allowChunkedLength());
    }
}
