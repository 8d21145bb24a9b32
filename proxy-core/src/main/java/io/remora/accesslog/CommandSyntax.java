package io.remora.accesslog;

import java.util.HashMap;
import java.util.Map;

/**
 * Envoy's CommandSyntaxChecker applied to Remora's built-in command operators: whether an
 * operator takes a parameter ({@code %REQ(X)%}), may go without one, or takes none, and whether a
 * length ({@code :N}) is allowed. The flags per name are those of Envoy's lookup tables
 * (stream_info_formatter.cc, http_specific_formatter.cc); a format that breaks them is refused
 * with Envoy's message, as Envoy refuses the config. Formatter extensions' commands (CEL,
 * METADATA, REQ_WITHOUT_QUERY) check their own parameters.
 */
final class CommandSyntax {

    /** Envoy's flags: none (COMMAND_ONLY), PARAMS_REQUIRED, PARAMS_OPTIONAL, LENGTH_ALLOWED. */
    enum Rule {
        COMMAND_ONLY(false, false),
        PARAMS_OPTIONAL(false, false),
        PARAMS_REQUIRED(true, false),
        PARAMS_REQUIRED_LENGTH_ALLOWED(true, true),
        PARAMS_OPTIONAL_LENGTH_ALLOWED(false, true);

        final boolean paramsRequired;
        final boolean lengthAllowed;

        Rule(boolean paramsRequired, boolean lengthAllowed) {
            this.paramsRequired = paramsRequired;
            this.lengthAllowed = lengthAllowed;
        }
    }

    private static final Map<String, Rule> RULES = new HashMap<>();

    static {
        for (String name : new String[] {"PROTOCOL", "RESPONSE_CODE", "CONNECTION_TERMINATION_DETAILS",
                "RESPONSE_FLAGS", "BYTES_RECEIVED", "BYTES_SENT", "DURATION", "RESPONSE_DURATION",
                "UPSTREAM_REQUEST_ATTEMPT_COUNT", "UPSTREAM_HOST", "UPSTREAM_REMOTE_ADDRESS", "UPSTREAM_CLUSTER",
                "UPSTREAM_CLUSTER_RAW", "UPSTREAM_LOCAL_ADDRESS", "UPSTREAM_LOCAL_PORT",
                "UPSTREAM_TRANSPORT_FAILURE_REASON", "DOWNSTREAM_REMOTE_ADDRESS", "DOWNSTREAM_REMOTE_PORT",
                "DOWNSTREAM_DIRECT_REMOTE_ADDRESS", "DOWNSTREAM_DIRECT_REMOTE_PORT", "DOWNSTREAM_LOCAL_ADDRESS",
                "DOWNSTREAM_LOCAL_PORT", "GRPC_STATUS_NUMBER", "STREAM_ID", "ROUTE_NAME", "HOSTNAME", "CONNECTION_ID",
                "UPSTREAM_CONNECTION_ID", "TRACE_ID", "ACCESS_LOG_TYPE", "FILTER_CHAIN_NAME", "VIRTUAL_CLUSTER_NAME",
                "UNIQUE_ID", "LOCAL_REPLY_BODY", "CUSTOM_FLAGS", "DOWNSTREAM_TRANSPORT_FAILURE_REASON",
                "DOWNSTREAM_PEER_FINGERPRINT_1", "RESPONSE_FLAGS_LONG", "UPSTREAM_PROTOCOL", "UPSTREAM_REMOTE_PORT",
                "UPSTREAM_HOST_NAME", "UPSTREAM_HOST_NAME_WITHOUT_PORT", "DOWNSTREAM_DIRECT_LOCAL_ADDRESS",
                "DOWNSTREAM_DIRECT_LOCAL_PORT", "REQUEST_DURATION", "REQUEST_TX_DURATION", "RESPONSE_TX_DURATION",
                "DOWNSTREAM_HANDSHAKE_DURATION", "ROUNDTRIP_DURATION", "UPSTREAM_CONNECTION_POOL_READY_DURATION",
                "REQUEST_HEADERS_BYTES", "RESPONSE_HEADERS_BYTES", "RESPONSE_TRAILERS_BYTES", "TLS_JA3_FINGERPRINT",
                "TLS_JA4_FINGERPRINT", "BYTES_RETRANSMITTED", "PACKETS_RETRANSMITTED", "UPSTREAM_HOSTS_ATTEMPTED",
                "UPSTREAM_HOSTS_ATTEMPTED_WITHOUT_PORT", "UPSTREAM_HOST_NAMES_ATTEMPTED",
                "UPSTREAM_HOST_NAMES_ATTEMPTED_WITHOUT_PORT", "UPSTREAM_CONNECTION_IDS_ATTEMPTED", "UPSTREAM_WIRE_BYTES_SENT",
                "UPSTREAM_WIRE_BYTES_RECEIVED", "UPSTREAM_HEADER_BYTES_SENT", "UPSTREAM_HEADER_BYTES_RECEIVED",
                "DOWNSTREAM_WIRE_BYTES_SENT", "DOWNSTREAM_WIRE_BYTES_RECEIVED", "DOWNSTREAM_HEADER_BYTES_SENT",
                "DOWNSTREAM_HEADER_BYTES_RECEIVED", "SPAN_ID", "UPSTREAM_DECOMPRESSED_HEADER_BYTES_SENT",
                "UPSTREAM_DECOMPRESSED_HEADER_BYTES_RECEIVED", "DOWNSTREAM_DECOMPRESSED_HEADER_BYTES_SENT",
                "DOWNSTREAM_DECOMPRESSED_HEADER_BYTES_RECEIVED", "UPSTREAM_LOCAL_CLOSE_REASON",
                "DOWNSTREAM_LOCAL_CLOSE_REASON", "UPSTREAM_DETECTED_CLOSE_TYPE", "DOWNSTREAM_DETECTED_CLOSE_TYPE",
                "UPSTREAM_REMOTE_ADDRESS_ENDPOINT_ID", "DOWNSTREAM_LOCAL_ADDRESS_ENDPOINT_ID",
                "DOWNSTREAM_DIRECT_LOCAL_ADDRESS_ENDPOINT_ID"}) {
            RULES.put(name, Rule.COMMAND_ONLY);
        }
        for (String side : new String[] {"DOWNSTREAM_", "UPSTREAM_"}) {
            for (String stem : TlsOperators.stems(side)) {
                RULES.put(side + stem, Rule.COMMAND_ONLY);
            }
            // An optional time format, as %START_TIME(...)%'s.
            RULES.put(side + "PEER_CERT_V_START", Rule.PARAMS_OPTIONAL);
            RULES.put(side + "PEER_CERT_V_END", Rule.PARAMS_OPTIONAL);
        }
        for (String name : new String[] {"START_TIME", "RESPONSE_CODE_DETAILS", "GRPC_STATUS", "START_TIME_LOCAL",
                "EMIT_TIME", "EMIT_TIME_LOCAL", "REQUESTED_SERVER_NAME", "UPSTREAM_LOCAL_ADDRESS_WITHOUT_PORT",
                "UPSTREAM_REMOTE_ADDRESS_WITHOUT_PORT", "DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT",
                "DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT", "DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT",
                "DOWNSTREAM_DIRECT_LOCAL_ADDRESS_WITHOUT_PORT"}) {
            RULES.put(name, Rule.PARAMS_OPTIONAL);
        }
        for (String name : new String[] {"DYNAMIC_METADATA", "CLUSTER_METADATA", "UPSTREAM_METADATA",
                "COMMON_DURATION"}) {
            RULES.put(name, Rule.PARAMS_REQUIRED);
        }
        for (String name : new String[] {"REQ", "RESP", "TRAILER", "ENVIRONMENT", "REQUEST_HEADER", "RESPONSE_HEADER",
                "RESPONSE_TRAILER", "QUERY_PARAM", "COALESCE"}) {
            RULES.put(name, Rule.PARAMS_REQUIRED_LENGTH_ALLOWED);
        }
        RULES.put("FILTER_STATE", Rule.PARAMS_OPTIONAL_LENGTH_ALLOWED);
        RULES.put("PATH", Rule.PARAMS_OPTIONAL_LENGTH_ALLOWED);
        RULES.put("QUERY_PARAMS", Rule.PARAMS_OPTIONAL_LENGTH_ALLOWED);
        RULES.put("UPSTREAM_FILTER_STATE", Rule.PARAMS_OPTIONAL_LENGTH_ALLOWED);
    }

    private CommandSyntax() {
    }

    /**
     * Envoy's verifySyntax for a built-in operator ({@code arg} "" when absent, {@code maxLen} -1
     * when absent); an unknown name passes (the operator table refuses it).
     */
    static void verify(String name, String arg, int maxLen) {
        Rule rule = RULES.get(name);
        if (rule == null) {
            return;
        }
        if (rule == Rule.COMMAND_ONLY && (!arg.isEmpty() || maxLen >= 0)) {
            throw new IllegalArgumentException("access log format: " + name + " does not take any parameters or length");
        }
        if (rule.paramsRequired && arg.isEmpty()) {
            throw new IllegalArgumentException("access log format: " + name + " requires parameters");
        }
        if (!rule.lengthAllowed && maxLen >= 0) {
            throw new IllegalArgumentException("access log format: " + name
                    + " does not allow length to be specified.");
        }
    }

    /**
     * Envoy's parseSubcommandHeaders: {@code X} or {@code X?Y}, each a header name (a token, or a
     * pseudo-header's ':' and a token).
     */
    static void verifyHeaders(String arg) {
        int q = arg.indexOf('?');
        if (q >= 0 && arg.indexOf('?', q + 1) >= 0) {
            throw new IllegalArgumentException("access log format: More than 1 alternative header specified in token: "
                    + arg);
        }
        if (!headerName(q < 0 ? arg : arg.substring(0, q)) || q >= 0 && !headerName(arg.substring(q + 1))) {
            throw new IllegalArgumentException("access log format: Invalid header configuration. Format string"
                    + " contains invalid characters.");
        }
    }

    private static boolean headerName(String name) {
        for (int i = name.startsWith(":") ? 1 : 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean token = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!token) {
                return false;
            }
        }
        return true;
    }
}
