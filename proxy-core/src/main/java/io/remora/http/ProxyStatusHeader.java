package io.remora.http;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.accesslog.ResponseFlag;
import io.remora.accesslog.StreamInfo;
import io.remora.config.ProxyStatusConfig;

/**
 * Envoy's ProxyStatusUtils: the kind of error a stream's response flags say (the first of them in
 * Envoy's order), the {@code Proxy-Status} value {@code <proxy>; error=<kind>; details="..."} and
 * the status code RFC 9209 recommends for the kind.
 */
final class ProxyStatusHeader {
    static final AsciiString PROXY_STATUS = AsciiString.cached("proxy-status");

    private ProxyStatusHeader() {
    }

    /** Appends the header (and, if configured, the recommended status) when the flags name an error. */
    static void apply(Http2Headers headers, StreamInfo info, ProxyStatusConfig config, String proxyName) {
        String error = error(info);
        if (error == null) {
            return;
        }
        StringBuilder v = new StringBuilder(64).append(proxyName).append("; error=").append(error);
        if (!config.removeDetails() && info.responseCodeDetails != null) {
            StringBuilder details = new StringBuilder(info.responseCodeDetails);
            String termination = info.connectionTerminationDetails();
            if (!config.removeConnectionTerminationDetails() && termination != null) {
                details.append("; ").append(termination);
            }
            if (!config.removeResponseFlags() && info.hasAnyFlag()) {
                details.append("; ").append(info.responseFlagsString());
            }
            v.append("; details=\"");
            escape(details, v);
            v.append('"');
        }
        CharSequence existing = headers.get(PROXY_STATUS);
        headers.set(PROXY_STATUS, existing == null || existing.length() == 0 ? v : existing + ", " + v);
        if (config.setRecommendedResponseCode()) {
            int code = recommendedStatus(error);
            if (code > 0) {
                headers.status(AsciiString.of(Integer.toString(code)));
            }
        }
    }

    /** Envoy's fromStreamInfo, with proxy_status_mapping_more_core_response_flags on (its default). */
    static String error(StreamInfo i) {
        if (!i.hasAnyFlag()) {
            return null;
        }
        if (i.hasFlag(ResponseFlag.FAILED_LOCAL_HEALTH_CHECK) || i.hasFlag(ResponseFlag.NO_HEALTHY_UPSTREAM)) {
            return "destination_unavailable";
        }
        if (i.hasFlag(ResponseFlag.UPSTREAM_REQUEST_TIMEOUT)) {
            return "http_response_timeout";
        }
        if (i.hasFlag(ResponseFlag.DURATION_TIMEOUT) || i.hasFlag(ResponseFlag.LOCAL_RESET)) {
            return "connection_timeout";
        }
        if (i.hasFlag(ResponseFlag.UPSTREAM_REMOTE_RESET)) {
            return "connection_terminated";
        }
        if (i.hasFlag(ResponseFlag.UPSTREAM_CONNECTION_FAILURE) || i.hasFlag(ResponseFlag.UNAUTHORIZED_EXTERNAL_SERVICE)) {
            return "connection_refused";
        }
        if (i.hasFlag(ResponseFlag.UPSTREAM_CONNECTION_TERMINATION)) {
            return "connection_terminated";
        }
        if (i.hasFlag(ResponseFlag.OVERLOAD_MANAGER)) {
            return "connection_limit_reached";
        }
        if (i.hasFlag(ResponseFlag.FAULT_INJECTED)) {
            return "http_request_error";
        }
        if (i.hasFlag(ResponseFlag.DOWNSTREAM_CONNECTION_TERMINATION)) {
            return "connection_terminated";
        }
        if (i.hasFlag(ResponseFlag.UPSTREAM_OVERFLOW)) {
            return "connection_limit_reached";
        }
        if (i.hasFlag(ResponseFlag.NO_ROUTE_FOUND)) {
            return "destination_not_found";
        }
        if (i.hasFlag(ResponseFlag.RATE_LIMITED)) {
            return "connection_limit_reached";
        }
        if (i.hasFlag(ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED)) {
            return "destination_unavailable";
        }
        if (i.hasFlag(ResponseFlag.STREAM_IDLE_TIMEOUT)) {
            return "http_response_timeout";
        }
        if (i.hasFlag(ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR)) {
            return "http_request_error";
        }
        if (i.hasFlag(ResponseFlag.UPSTREAM_MAX_STREAM_DURATION_REACHED)) {
            return "http_response_timeout";
        }
        if (i.hasFlag(ResponseFlag.NO_FILTER_CONFIG_FOUND)) {
            return "proxy_configuration_error";
        }
        if (i.hasFlag(ResponseFlag.UPSTREAM_PROTOCOL_ERROR)) {
            return "http_protocol_error";
        }
        if (i.hasFlag(ResponseFlag.NO_CLUSTER_FOUND)) {
            return "destination_unavailable";
        }
        if (i.hasFlag(ResponseFlag.DNS_RESOLUTION_FAILURE)) {
            return "dns_error";
        }
        return null;
    }

    /** RFC 9209's recommended status for an error kind; 0 when it recommends none. */
    static int recommendedStatus(String error) {
        return switch (error) {
            case "connection_timeout", "http_response_timeout" -> 504;
            case "dns_error", "connection_refused", "connection_terminated", "http_protocol_error" -> 502;
            case "destination_not_found", "proxy_configuration_error" -> 500;
            case "destination_unavailable", "connection_limit_reached" -> 503;
            default -> 0;
        };
    }

    /** Envoy's StringUtil::escape: newline, tab, quote and backslash backslash-escaped. */
    private static void escape(CharSequence in, StringBuilder out) {
        for (int k = 0; k < in.length(); k++) {
            char c = in.charAt(k);
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> out.append(c);
            }
        }
    }
}
