package io.remora.accesslog;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Set;

/**
 * Envoy's access log command operators (%REQ(..)%, %RESPONSE_CODE%, %UPSTREAM_HOST%, ...): each
 * name with its argument and max length becomes an {@link Op} that reads a {@link StreamInfo}.
 * Missing values print as {@code -} in text and are {@code null} in JSON.
 */
final class AccessLogOperators {
    /**
     * Envoy operators Remora parses but has no data for (metadata, filter state, ...):
     * they print "-" instead of failing the whole config, so Istio's generated formats load.
     */
    private static final Set<String> WITHOUT_DATA = Set.of("UPSTREAM_FILTER_STATE", "CEL",
            "DOWNSTREAM_PEER_FINGERPRINT_1");

    private AccessLogOperators() {
    }

    /** One piece of a format: a literal or a command operator. */
    abstract static class Op {
        /** Appends the value, or "-" when missing. */
        abstract void append(StringBuilder sb, StreamInfo i);

        /** The JSON value: String, Long or null when missing. */
        abstract Object json(StreamInfo i);
    }

    static Op literal(String s) {
        return new Op() {
            @Override
            void append(StringBuilder sb, StreamInfo i) {
                sb.append(s);
            }

            @Override
            Object json(StreamInfo i) {
                return s;
            }
        };
    }

    private interface StrFn {
        String get(StreamInfo i);
    }

    private interface LongFn {
        /** Negative when missing. */
        long get(StreamInfo i);
    }

    private static Op str(StrFn fn, int maxLen) {
        return new Op() {
            @Override
            void append(StringBuilder sb, StreamInfo i) {
                String v = fn.get(i);
                if (v == null || v.isEmpty()) {
                    sb.append('-');
                } else if (maxLen >= 0 && v.length() > maxLen) {
                    sb.append(v, 0, maxLen);
                } else {
                    sb.append(v);
                }
            }

            @Override
            Object json(StreamInfo i) {
                String v = fn.get(i);
                if (v == null || v.isEmpty()) {
                    return null;
                }
                return maxLen >= 0 && v.length() > maxLen ? v.substring(0, maxLen) : v;
            }
        };
    }

    private static Op num(LongFn fn) {
        return new Op() {
            @Override
            void append(StringBuilder sb, StreamInfo i) {
                long v = fn.get(i);
                if (v < 0) {
                    sb.append('-');
                } else {
                    sb.append(v);
                }
            }

            @Override
            Object json(StreamInfo i) {
                long v = fn.get(i);
                return v < 0 ? null : (Object) v;
            }
        };
    }

    /** A formatter extension's command ({@link FormatterCommand}). */
    static Op custom(java.util.function.Function<StreamInfo, String> fn, int maxLen) {
        return str(fn::apply, maxLen);
    }

    static Op operator(String name, String arg, int maxLen) {
        switch (name) {
            case "START_TIME":
                return startTime(new StartTimeFormat(arg == null || arg.isEmpty() ? StartTimeFormat.DEFAULT : arg));
            case "REQ":
                return header(requireArg(name, arg), maxLen, Source.REQUEST);
            // Envoy's req_without_query formatter: a request header up to its '?'.
            case "REQ_WITHOUT_QUERY": {
                StrFn fn = headerFn(requireArg(name, arg), Source.REQUEST);
                return str(i -> {
                    String v = fn.get(i);
                    int q = v == null ? -1 : v.indexOf('?');
                    return q < 0 ? v : v.substring(0, q);
                }, maxLen);
            }
            case "RESP":
                return header(requireArg(name, arg), maxLen, Source.RESPONSE);
            case "TRAILER":
                return header(requireArg(name, arg), maxLen, Source.TRAILER);
            case "PROTOCOL":
                return str(i -> i.protocol, maxLen);
            // Envoy prints 0 when no response was sent (TCP, or a reset before headers).
            case "RESPONSE_CODE":
                return num(i -> i.responseCode);
            case "RESPONSE_CODE_DETAILS":
                return str(i -> i.responseCodeDetails, maxLen);
            case "CONNECTION_TERMINATION_DETAILS":
                return str(i -> i.connectionTerminationDetails(), maxLen);
            case "RESPONSE_FLAGS":
                return str(StreamInfo::responseFlagsString, maxLen);
            case "BYTES_RECEIVED":
                return num(i -> i.bytesReceived);
            case "BYTES_SENT":
                return num(i -> i.bytesSent);
            case "DURATION":
                return num(i -> i.durationNanos < 0 ? -1 : i.durationNanos / 1_000_000);
            case "RESPONSE_DURATION":
                return num(i -> i.upstreamServiceTimeNanos < 0 ? -1 : i.upstreamServiceTimeNanos / 1_000_000);
            case "UPSTREAM_REQUEST_ATTEMPT_COUNT":
                return num(i -> i.attemptCount);
            case "UPSTREAM_HOST":
                return str(i -> AccessLogFormatter.address(i.upstreamHost, true), maxLen);
            case "UPSTREAM_REMOTE_ADDRESS":
                // The address connected to: with happy eyeballs, maybe not the host's own.
                return str(i -> AccessLogFormatter.address(i.upstreamRemoteAddress() != null ? i.upstreamRemoteAddress()
                        : i.upstreamHost, true), maxLen);
            case "UPSTREAM_CLUSTER":
            case "UPSTREAM_CLUSTER_RAW":
                return str(i -> i.upstreamCluster, maxLen);
            case "UPSTREAM_LOCAL_ADDRESS":
                return str(i -> AccessLogFormatter.address(i.upstreamLocalAddress, true), maxLen);
            case "UPSTREAM_TRANSPORT_FAILURE_REASON":
                return str(i -> i.upstreamTransportFailureReason(), maxLen);
            case "DOWNSTREAM_REMOTE_ADDRESS":
                return str(i -> AccessLogFormatter.address(i.downstreamRemoteAddress, true), maxLen);
            case "DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT":
                return str(i -> AccessLogFormatter.address(i.downstreamRemoteAddress, false), maxLen);
            case "GRPC_STATUS": {
                GrpcStatusField.Format f = GrpcStatusField.format(arg);
                return f == GrpcStatusField.Format.NUMBER ? num(GrpcStatusField::code)
                        : str(i -> GrpcStatusField.text(i, f), maxLen);
            }
            case "GRPC_STATUS_NUMBER":
                return num(GrpcStatusField::code);
            // The stream id provider of an HTTP stream is its x-request-id, as in Envoy.
            case "STREAM_ID":
                return str(i -> i.requestId() != null ? i.requestId()
                        : i.requestHeaders == null ? null : str(i.requestHeaders.get("x-request-id")), maxLen);
            case "DOWNSTREAM_DIRECT_REMOTE_ADDRESS":
                return str(i -> AccessLogFormatter.address(direct(i), true), maxLen);
            case "DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT":
                return str(i -> AccessLogFormatter.address(direct(i), false), maxLen);
            case "DOWNSTREAM_DIRECT_REMOTE_PORT":
                return num(i -> port(direct(i)));
            case "UPSTREAM_LOCAL_ADDRESS_WITHOUT_PORT":
                return str(i -> AccessLogFormatter.address(i.upstreamLocalAddress, false), maxLen);
            case "UPSTREAM_LOCAL_PORT":
                return num(i -> port(i.upstreamLocalAddress));
            case "DOWNSTREAM_REMOTE_PORT":
                return num(i -> port(i.downstreamRemoteAddress));
            case "DOWNSTREAM_LOCAL_ADDRESS":
                return str(i -> AccessLogFormatter.address(i.downstreamLocalAddress, true), maxLen);
            case "DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT":
                return str(i -> AccessLogFormatter.address(i.downstreamLocalAddress, false), maxLen);
            case "DOWNSTREAM_LOCAL_PORT":
                return num(i -> port(i.downstreamLocalAddress));
            case "ROUTE_NAME":
                return str(i -> i.routeName, maxLen);
            // From tls_inspector, else from the TLS handshake (a chain with TLS and no inspector).
            case "REQUESTED_SERVER_NAME":
                return str(i -> i.requestedServerName() != null ? i.requestedServerName()
                        : i.downstreamTls() == null ? null : i.downstreamTls().serverName(), maxLen);
            case "HOSTNAME": {
                String host = hostname();
                return str(i -> host, maxLen);
            }
            case "DYNAMIC_METADATA":
                return str(MetadataOperators.of(io.remora.config.MetadataSource.DYNAMIC, requireArg(name, arg))::apply, maxLen);
            case "UPSTREAM_METADATA":
                return str(MetadataOperators.of(io.remora.config.MetadataSource.UPSTREAM_HOST, requireArg(name, arg))::apply, maxLen);
            case "CLUSTER_METADATA":
                return str(MetadataOperators.of(io.remora.config.MetadataSource.CLUSTER, requireArg(name, arg))::apply, maxLen);
            case "METADATA":
                return str(MetadataOperators.metadata(requireArg(name, arg))::apply, maxLen);
            // Connection ids as Envoy's: one process-wide sequence, the ids debug lines print.
            case "CONNECTION_ID":
                return num(i -> i.connectionId);
            case "UPSTREAM_CONNECTION_ID":
                return num(i -> i.upstreamConnectionId);
            case "TRACE_ID":
                return str(i -> i.traceId(), maxLen);
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
                return filterState(requireArg(name, arg), maxLen);
            case "LOCAL_REPLY_BODY":
                return localReplyBody();
            case "ENVIRONMENT": {
                String v = System.getenv(requireArg(name, arg));
                return str(i -> v, maxLen);
            }
            default:
                StrFn tls = tlsOperator(name);
                if (tls != null) {
                    return str(tls, maxLen);
                }
                if (WITHOUT_DATA.contains(name)) {
                    return str(i -> null, maxLen);
                }
                throw new IllegalArgumentException("access log format: unsupported command operator %" + name + "%");
        }
    }

    /** As Envoy's: the body as it is, even empty (never "-"), so that a body format can wrap it. */
    private static Op localReplyBody() {
        return new Op() {
            @Override
            void append(StringBuilder sb, StreamInfo i) {
                String v = i.localReplyBody();
                if (v != null) {
                    sb.append(v);
                }
            }

            @Override
            Object json(StreamInfo i) {
                String v = i.localReplyBody();
                return v == null ? "" : v;
            }
        };
    }

    /**
     * %FILTER_STATE(KEY[:PLAIN])%: the object's text form (Envoy's serializeAsString);
     * %FILTER_STATE(KEY:FIELD:NAME)%: one field of a {@link FilterStateFields} object.
     */
    private static Op filterState(String arg, int maxLen) {
        String[] parts = arg.split(":");
        String key = parts[0];
        String field = parts.length >= 3 && parts[1].equals("FIELD") ? parts[2] : null;
        return str(i -> {
            Object v = i.filterState() == null ? null : i.filterState().get(key);
            if (v instanceof FilterStateFields f) {
                Object value = field != null ? f.field(field) : f.text();
                return value == null ? null : value.toString();
            }
            return v == null || field != null ? null : v.toString();
        }, maxLen);
    }

    private static StrFn tlsOperator(String name) {
        java.util.function.Function<StreamInfo, String> f = TlsOperators.of(name);
        return f == null ? null : f::apply;
    }

    private static Op startTime(StartTimeFormat f) {
        return new Op() {
            @Override
            void append(StringBuilder sb, StreamInfo i) {
                f.append(sb, i.startMillis); // straight into the line: no intermediate String
            }

            @Override
            Object json(StreamInfo i) {
                StringBuilder sb = new StringBuilder(32);
                f.append(sb, i.startMillis);
                return sb.toString();
            }
        };
    }

    private static String requireArg(String name, String arg) {
        if (arg == null || arg.isEmpty()) {
            throw new IllegalArgumentException("access log format: %" + name + "% needs an argument, e.g. %"
                    + name + "(:AUTHORITY)%");
        }
        return arg;
    }

    private enum Source { REQUEST, RESPONSE, TRAILER }

    /** %REQ(X?Y)%: X, or Y when X is absent; names are case-insensitive. */
    private static Op header(String arg, int maxLen, Source source) {
        return str(headerFn(arg, source), maxLen);
    }

    /** {@code X?Y}: header X, else Y. */
    private static StrFn headerFn(String arg, Source source) {
        int q = arg.indexOf('?');
        AsciiString main = AsciiString.of(lower(q < 0 ? arg : arg.substring(0, q)));
        AsciiString alt = q < 0 ? null : AsciiString.of(lower(arg.substring(q + 1)));
        return i -> {
            String v = header(i, source, main);
            if (v == null && alt != null) {
                v = header(i, source, alt);
            }
            return v;
        };
    }

    private static String header(StreamInfo i, Source source, AsciiString name) {
        Http2Headers h = switch (source) {
            case REQUEST -> i.requestHeaders;
            case RESPONSE -> i.responseHeaders;
            case TRAILER -> i.responseTrailers;
        };
        if (h != null) {
            CharSequence v = h.get(name);
            return v == null ? null : v.toString();
        }
        // No header map (the connection manager filled the dedicated fields only).
        if (source == Source.REQUEST) {
            return switch (name.toString()) {
                case ":method" -> i.method();
                case ":path" -> i.path();
                case ":authority", "host" -> i.authority();
                case "user-agent" -> i.userAgent();
                case "x-forwarded-for" -> i.forwardedFor();
                case "x-request-id" -> i.requestId();
                case "x-envoy-original-path" -> i.originalPath();
                default -> null;
            };
        }
        if (source == Source.RESPONSE) {
            if (name.contentEquals("x-envoy-upstream-service-time") && i.upstreamServiceTimeNanos >= 0) {
                return Long.toString(i.upstreamServiceTimeNanos / 1_000_000);
            }
            if (name.contentEquals(":status") && i.responseCode > 0) {
                return Integer.toString(i.responseCode);
            }
        }
        return null;
    }

    private static String lower(String s) {
        return s.trim().toLowerCase(java.util.Locale.ROOT);
    }

    /** The socket peer; TCP streams and tests that set only the remote address have no separate one. */
    private static SocketAddress direct(StreamInfo i) {
        return i.downstreamDirectRemoteAddress != null ? i.downstreamDirectRemoteAddress : i.downstreamRemoteAddress;
    }

    private static String str(CharSequence s) {
        return s == null ? null : s.toString();
    }

    private static long port(SocketAddress a) {
        return a instanceof InetSocketAddress in ? in.getPort() : -1;
    }

    private static String hostname() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return null;
        }
    }
}
