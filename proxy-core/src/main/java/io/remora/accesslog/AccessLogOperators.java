package io.remora.accesslog;

import io.remora.accesslog.FormatOps.Op;
import io.remora.accesslog.FormatOps.StrFn;

import java.util.Set;

import static io.remora.accesslog.FormatOps.asIs;
import static io.remora.accesslog.FormatOps.num;
import static io.remora.accesslog.FormatOps.str;
import static io.remora.accesslog.FormatOps.typed;

/**
 * Envoy's access log command operators (%REQ(..)%, %RESPONSE_CODE%, %UPSTREAM_HOST%, ...): each
 * name with its argument and max length becomes an {@link Op} that reads a {@link FormatContext}:
 * the access log's, or a header value's (route header mutations format with these same operators).
 * Missing values print as {@code -} in text and are {@code null} in JSON.
 */
final class AccessLogOperators {
    /**
     * Envoy operators Remora parses but has no data for (metadata, filter state, ...):
     * they print "-" instead of failing the whole config, so Istio's generated formats load.
     */
    private static final Set<String> WITHOUT_DATA = Set.of("CEL", "TYPED_CEL",
            // The 1.0.49 tls_inspector cannot turn JA4 on, and Envoy prints "-" when it is off.
            "TLS_JA4_FINGERPRINT");

    private AccessLogOperators() {
    }

    /** The gRPC status as a number: -1 (InvalidCode) printed, a number in a JSON log. */
    private static Op grpcNumber(int maxLen) {
        return typed(i -> GrpcStatusField.text(i, GrpcStatusField.Format.NUMBER), GrpcStatusField::number, maxLen, -1);
    }

    static Op operator(String name, String arg, int maxLen) {
        Op masked = MaskedAddresses.of(name, arg, maxLen);
        if (masked != null) {
            return masked;
        }
        switch (name) {
            case "START_TIME":
                return TimeOperators.time(StartTimeFormat.of(arg), i -> i.startMillis);
            case "PROTOCOL":
                return str(i -> i.protocol, maxLen);
            // Envoy prints 0 when no response was sent (TCP, or a reset before headers).
            case "RESPONSE_CODE":
                return num(i -> i.responseCode);
            // As Envoy's: whitespace becomes '_' unless the parameter is ALLOW_WHITESPACES.
            case "RESPONSE_CODE_DETAILS":
                return arg.equals("ALLOW_WHITESPACES") ? str(i -> i.responseCodeDetails, maxLen)
                        : str(i -> underscored(i.responseCodeDetails), maxLen);
            case "CONNECTION_TERMINATION_DETAILS":
                return str(i -> i.connectionTerminationDetails(), maxLen);
            case "RESPONSE_FLAGS":
                return str(StreamInfo::responseFlagsString, maxLen);
            case "RESPONSE_FLAGS_LONG":
                return str(StreamInfo::responseFlagsLongString, maxLen);
            case "BYTES_RECEIVED":
                return num(i -> i.bytesReceived);
            case "BYTES_SENT":
                return num(i -> i.bytesSent);
            // Envoy's currentDuration: an entry of a stream still going (its start, a periodic or
            // on-connected entry, a header value) prints the time so far.
            case "DURATION":
                return num(i -> (i.durationNanos >= 0 ? i.durationNanos : System.nanoTime() - i.startNanos) / 1_000_000);
            case "RESPONSE_DURATION":
                return num(i -> i.upstreamServiceTimeNanos < 0 ? -1 : i.upstreamServiceTimeNanos / 1_000_000);
            case "UPSTREAM_REQUEST_ATTEMPT_COUNT":
                return num(i -> i.attemptCount);
            case "UPSTREAM_CLUSTER":
                return str(StreamInfo::upstreamClusterObservabilityName, maxLen);
            case "UPSTREAM_CLUSTER_RAW":
                return str(i -> i.upstreamCluster, maxLen);
            // Envoy's: the endpoint id of the envoy_internal_address the upstream host is; "-" for other hosts.
            case "UPSTREAM_REMOTE_ADDRESS_ENDPOINT_ID":
                return str(StreamInfo::upstreamEndpointId, maxLen);
            case "DOWNSTREAM_LOCAL_ADDRESS_ENDPOINT_ID", "DOWNSTREAM_DIRECT_LOCAL_ADDRESS_ENDPOINT_ID":
                throw new IllegalArgumentException("access log format: " + name + " is not supported by Remora:"
                        + " a connection to an internal listener does not carry its endpoint id");
            case "UPSTREAM_TRANSPORT_FAILURE_REASON":
                // Envoy's formatter writes the reason with '_' for ' ' ("delayed_connect_error:_Connection_refused").
                return str(i -> {
                    String r = i.upstreamTransportFailureReason();
                    return r == null ? null : r.replace(' ', '_');
                }, maxLen);
            case "GRPC_STATUS": {
                GrpcStatusField.Format f = GrpcStatusField.format(arg);
                return f == GrpcStatusField.Format.NUMBER ? grpcNumber(maxLen)
                        : str(i -> GrpcStatusField.text(i, f), maxLen);
            }
            case "GRPC_STATUS_NUMBER":
                return grpcNumber(maxLen);
            // The stream id provider of an HTTP stream is its x-request-id, of a tcp_proxy connection
            // or udp_proxy session a UUID, as in Envoy.
            case "STREAM_ID":
                return str(StreamInfo::streamIdText, maxLen);
            case "ROUTE_NAME":
                return str(i -> i.routeName, maxLen);
            case "COALESCE":
                return CoalesceOperator.of(arg, maxLen);
            // Envoy counts retransmissions for HTTP/3 only, which Remora does not serve: 0 elsewhere.
            case "BYTES_RETRANSMITTED", "PACKETS_RETRANSMITTED":
                return num(i -> 0);
            case "HOSTNAME": {
                String host = Hostname.VALUE;
                return str(i -> host, maxLen);
            }
            case "DYNAMIC_METADATA":
                return MetadataOperators.op(io.remora.config.MetadataSource.DYNAMIC, requireArg(name, arg), maxLen);
            case "UPSTREAM_METADATA":
                return MetadataOperators.op(io.remora.config.MetadataSource.UPSTREAM_HOST, requireArg(name, arg), maxLen);
            case "CLUSTER_METADATA":
                return MetadataOperators.op(io.remora.config.MetadataSource.CLUSTER, requireArg(name, arg), maxLen);
            case "METADATA":
                return MetadataOperators.metadataOp(requireArg(name, arg), maxLen);
            // Connection ids as Envoy's: one process-wide sequence, the ids debug lines print; 0
            // without a connection (Envoy's connectionID().value_or(0)), never "-".
            case "CONNECTION_ID":
                return num(i -> Math.max(0, i.connectionId));
            case "UPSTREAM_CONNECTION_ID":
                return num(i -> Math.max(0, i.upstreamConnectionId()));
            case "TRACE_ID":
                return str(i -> i.traceId(), maxLen);
            // The active span's id, as %TRACE_ID% its trace's: "-" on a stream no tracer spans.
            case "SPAN_ID":
                return str(i -> i.spanId(), maxLen);
            case "ACCESS_LOG_TYPE":
                return str(i -> i.accessLogType().envoyName, maxLen);
            case "FILTER_CHAIN_NAME":
                return str(i -> i.filterChainName(), maxLen);
            case "VIRTUAL_CLUSTER_NAME":
                return str(i -> i.virtualClusterName(), maxLen);
            // A new random UUID each time the operator is evaluated, as Envoy's.
            case "UNIQUE_ID":
                return str(i -> java.util.UUID.randomUUID().toString(), maxLen);
            case "FILTER_STATE":
                return FilterStateOperators.op(arg, maxLen);
            // Checked as Envoy checks it; Remora keeps no upstream filter state, so it prints "-".
            case "UPSTREAM_FILTER_STATE":
                FilterStateOperators.of(arg);
                return str(i -> null, maxLen);
            // As Envoy's: the body even when empty, so that a body format can wrap it.
            case "LOCAL_REPLY_BODY":
                return asIs(StreamInfo::localReplyBody);
            // The flags filters add with Envoy's addCustomFlag, joined by ','; no Remora filter adds
            // one, so it is Envoy's value for a stream without: "" (not "-").
            case "CUSTOM_FLAGS":
                return asIs(i -> "");
            // As Envoy's EnvironmentFormatter: read once at load; an unset variable is the text "-",
            // a value like any other (a string in a JSON log, kept by omit_empty_values), and a
            // variable set to "" prints "".
            case "ENVIRONMENT": {
                String v = System.getenv(arg);
                return FormatOps.literal(v == null ? "-" : maxLen >= 0 && v.length() > maxLen ? v.substring(0, maxLen) : v);
            }
            default:
                Op more = AddressOperators.of(name, maxLen);
                if (more == null) {
                    more = HeaderOperators.op(name, arg, maxLen);
                }
                if (more == null) {
                    more = RequestLineOperators.of(name, arg, maxLen);
                }
                if (more == null) {
                    more = TimeOperators.of(name, arg);
                }
                if (more == null) {
                    more = DurationOperators.of(name, arg);
                }
                if (more == null) {
                    more = HeaderBytesOperators.of(name);
                }
                if (more == null) {
                    more = ConnectionCloses.of(name, maxLen);
                }
                if (more != null) {
                    return more;
                }
                StrFn tls = tlsOperator(name, arg);
                if (tls != null) {
                    return str(tls, maxLen);
                }
                if (WITHOUT_DATA.contains(name)) {
                    return str(i -> null, maxLen);
                }
                throw new IllegalArgumentException("access log format: Not supported field in StreamInfo: " + name);
        }
    }

    private static StrFn tlsOperator(String name, String arg) {
        java.util.function.Function<StreamInfo, String> f = TlsOperators.of(name, arg);
        return f == null ? null : f::apply;
    }

    /** For the formatter extensions' commands built in here (no syntax rules of their own in Envoy). */
    static String requireArg(String name, String arg) {
        if (arg.isEmpty()) {
            throw new IllegalArgumentException("access log format: %" + name + "% needs an argument, e.g. %"
                    + name + "(:AUTHORITY)%");
        }
        return arg;
    }

    /** Envoy's StringUtil::replaceAllEmptySpace; the same String when there is nothing to replace. */
    static String underscored(String s) {
        if (s == null) {
            return null;
        }
        for (int k = 0; k < s.length(); k++) {
            if (" \t\f\u000b\n\r".indexOf(s.charAt(k)) >= 0) {
                char[] c = s.toCharArray();
                for (int j = k; j < c.length; j++) {
                    if (" \t\f\u000b\n\r".indexOf(c[j]) >= 0) {
                        c[j] = '_';
                    }
                }
                return new String(c);
            }
        }
        return s;
    }


}
