package io.remora.xds.accesslog;

import com.google.protobuf.Timestamp;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.Pipe;
import io.envoyproxy.envoy.config.core.v3.RequestMethod;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.data.accesslog.v3.AccessLogCommon;
import io.envoyproxy.envoy.data.accesslog.v3.ConnectionProperties;
import io.envoyproxy.envoy.data.accesslog.v3.HTTPAccessLogEntry;
import io.envoyproxy.envoy.data.accesslog.v3.HTTPRequestProperties;
import io.envoyproxy.envoy.data.accesslog.v3.HTTPResponseProperties;
import io.envoyproxy.envoy.data.accesslog.v3.ResponseFlags;
import io.envoyproxy.envoy.data.accesslog.v3.TCPAccessLogEntry;
import io.envoyproxy.envoy.data.accesslog.v3.TLSProperties;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.ResponseFlag;
import io.remora.accesslog.StreamInfo;
import io.remora.accesslog.WireBytes;
import io.remora.tls.TlsConnection;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * A stream's info as the gRPC access log service's entries ({@code data.accesslog.v3}), filled as
 * Envoy's gRPC access log utility does: addresses, start time, durations, upstream, response flags,
 * downstream TLS; for HTTP the request and response properties and the headers asked for.
 */
final class AlsEntries {

    private AlsEntries() {
    }

    static HTTPAccessLogEntry http(StreamInfo info, List<String> requestHeaders, List<String> responseHeaders,
                                   List<String> responseTrailers) {
        HTTPAccessLogEntry.Builder e = HTTPAccessLogEntry.newBuilder().setCommonProperties(common(info));
        if (info.protocol != null) {
            e.setProtocolVersion(switch (info.protocol) {
                case "HTTP/1.0" -> HTTPAccessLogEntry.HTTPVersion.HTTP10;
                case "HTTP/1.1" -> HTTPAccessLogEntry.HTTPVersion.HTTP11;
                case "HTTP/2" -> HTTPAccessLogEntry.HTTPVersion.HTTP2;
                case "HTTP/3" -> HTTPAccessLogEntry.HTTPVersion.HTTP3;
                default -> HTTPAccessLogEntry.HTTPVersion.PROTOCOL_UNSPECIFIED;
            });
        }
        HTTPRequestProperties.Builder rq = HTTPRequestProperties.newBuilder();
        Http2Headers in = info.requestHeaders;
        if (info.method() != null) {
            rq.setRequestMethod(method(info.method()));
        }
        setIf(in, ":scheme", rq::setScheme);
        setIf(info.authority(), rq::setAuthority);
        setIf(info.path(), rq::setPath);
        setIf(info.originalPath(), rq::setOriginalPath);
        setIf(info.userAgent(), rq::setUserAgent);
        setIf(in, "referer", rq::setReferer);
        setIf(info.forwardedFor(), rq::setForwardedFor);
        setIf(info.requestId(), rq::setRequestId);
        rq.setRequestHeadersBytes(io.remora.accesslog.HeaderBytesOperators.byteSize(in)).setRequestBodyBytes(info.bytesReceived);
        WireBytes meters = info.wireBytesIfAny();
        if (meters != null) {
            if (!meters.unmeteredUpstream) {
                rq.setUpstreamHeaderBytesSent(meters.upstreamHeaderSent);
            }
            if (!meters.unmeteredDownstream) {
                rq.setDownstreamHeaderBytesReceived(meters.downstreamHeaderReceived);
            }
        }
        copy(in, requestHeaders, rq::putRequestHeaders);
        e.setRequest(rq);

        HTTPResponseProperties.Builder rs = HTTPResponseProperties.newBuilder();
        if (info.responseCode != 0) {
            rs.setResponseCode(UInt32Value.of(info.responseCode));
        }
        setIf(info.responseCodeDetails, rs::setResponseCodeDetails);
        rs.setResponseHeadersBytes(io.remora.accesslog.HeaderBytesOperators.byteSize(info.responseHeaders)).setResponseBodyBytes(info.bytesSent);
        if (meters != null) {
            if (!meters.unmeteredUpstream) {
                rs.setUpstreamHeaderBytesReceived(meters.upstreamHeaderReceived);
            }
            if (!meters.unmeteredDownstream) {
                rs.setDownstreamHeaderBytesSent(meters.downstreamHeaderSent);
            }
        }
        copy(info.responseHeaders, responseHeaders, rs::putResponseHeaders);
        copy(info.responseTrailers, responseTrailers, rs::putResponseTrailers);
        e.setResponse(rs);
        return e.build();
    }

    static TCPAccessLogEntry tcp(StreamInfo info) {
        return TCPAccessLogEntry.newBuilder().setCommonProperties(common(info))
                .setConnectionProperties(ConnectionProperties.newBuilder()
                        .setReceivedBytes(info.bytesReceived).setSentBytes(info.bytesSent))
                .build();
    }

    static AccessLogCommon common(StreamInfo info) {
        AccessLogCommon.Builder c = AccessLogCommon.newBuilder()
                .setStartTime(Timestamp.newBuilder().setSeconds(Math.floorDiv(info.startMillis, 1000))
                        .setNanos((int) Math.floorMod(info.startMillis, 1000) * 1_000_000));
        address(info.downstreamRemoteAddress, c::setDownstreamRemoteAddress);
        address(info.downstreamDirectRemoteAddress, c::setDownstreamDirectRemoteAddress);
        address(info.downstreamLocalAddress, c::setDownstreamLocalAddress);
        address(info.upstreamHost, c::setUpstreamRemoteAddress);
        address(info.upstreamLocalAddress, c::setUpstreamLocalAddress);
        setIf(info.upstreamCluster, c::setUpstreamCluster);
        setIf(info.routeName, c::setRouteName);
        setIf(info.upstreamTransportFailureReason(), c::setUpstreamTransportFailureReason);
        setIf(info.connectionTerminationDetails(), c::setConnectionTerminationDetails);
        setIf(info.streamIdText(), c::setStreamId); // Envoy's stream id provider: a TCP connection's UUID too
        if (info.attemptCount > 0) {
            c.setUpstreamRequestAttemptCount(info.attemptCount);
        }
        if (info.upstreamServiceTimeNanos >= 0) {
            c.setTimeToFirstUpstreamRxByte(duration(info.upstreamServiceTimeNanos));
        }
        if (info.durationNanos >= 0) {
            c.setTimeToLastDownstreamTxByte(duration(info.durationNanos));
            c.setDuration(duration(info.durationNanos));
        }
        if (info.hasAnyFlag()) {
            c.setResponseFlags(flags(info));
        }
        // Envoy's utility copies both byte meters' wire counts; a side whose connection kept no meter stays 0.
        WireBytes meters = info.wireBytesIfAny();
        if (meters != null) {
            if (!meters.unmeteredDownstream) {
                c.setDownstreamWireBytesSent(meters.downstreamWireSent).setDownstreamWireBytesReceived(
                        meters.downstreamWireReceived);
            }
            if (!meters.unmeteredUpstream) {
                c.setUpstreamWireBytesSent(meters.upstreamWireSent).setUpstreamWireBytesReceived(
                        meters.upstreamWireReceived);
            }
        }
        TlsConnection tls = info.downstreamTls();
        if (tls != null && tls.established()) {
            c.setTlsProperties(tls(tls, info.requestedServerName()));
        }
        try {
            c.setAccessLogType(io.envoyproxy.envoy.data.accesslog.v3.AccessLogType.valueOf(
                    info.accessLogType().envoyName));
        } catch (IllegalArgumentException | NullPointerException unknown) {
            // left unset, as for streams logged without a type
        }
        return c.build();
    }

    private static ResponseFlags flags(StreamInfo info) {
        ResponseFlags.Builder f = ResponseFlags.newBuilder();
        for (ResponseFlag flag : info.flags()) {
            switch (flag) {
                case FAILED_LOCAL_HEALTH_CHECK -> f.setFailedLocalHealthcheck(true);
                case NO_HEALTHY_UPSTREAM -> f.setNoHealthyUpstream(true);
                case UPSTREAM_CONNECTION_FAILURE -> f.setUpstreamConnectionFailure(true);
                case UPSTREAM_OVERFLOW -> f.setUpstreamOverflow(true);
                case NO_ROUTE_FOUND -> f.setNoRouteFound(true);
                case UPSTREAM_RETRY_LIMIT_EXCEEDED -> f.setUpstreamRetryLimitExceeded(true);
                case NO_CLUSTER_FOUND -> f.setNoClusterFound(true);
                case UPSTREAM_REQUEST_TIMEOUT -> f.setUpstreamRequestTimeout(true);
                case LOCAL_RESET -> f.setLocalReset(true);
                case UPSTREAM_REMOTE_RESET -> f.setUpstreamRemoteReset(true);
                case UPSTREAM_CONNECTION_TERMINATION -> f.setUpstreamConnectionTermination(true);
                case DOWNSTREAM_CONNECTION_TERMINATION -> f.setDownstreamConnectionTermination(true);
                case STREAM_IDLE_TIMEOUT -> f.setStreamIdleTimeout(true);
                case DELAY_INJECTED -> f.setDelayInjected(true);
                case FAULT_INJECTED -> f.setFaultInjected(true);
                case RATE_LIMITED -> f.setRateLimited(true);
                case UNAUTHORIZED_EXTERNAL_SERVICE -> f.setUnauthorizedDetails(ResponseFlags.Unauthorized.newBuilder()
                        .setReason(ResponseFlags.Unauthorized.Reason.EXTERNAL_SERVICE));
                case RATE_LIMIT_SERVICE_ERROR -> f.setRateLimitServiceError(true);
                case DOWNSTREAM_PROTOCOL_ERROR -> f.setDownstreamProtocolError(true);
                case UPSTREAM_PROTOCOL_ERROR -> f.setUpstreamProtocolError(true);
                case NO_FILTER_CONFIG_FOUND -> f.setNoFilterConfigFound(true);
                case DURATION_TIMEOUT -> f.setDurationTimeout(true);
                case UPSTREAM_MAX_STREAM_DURATION_REACHED -> f.setUpstreamMaxStreamDurationReached(true);
                case OVERLOAD_MANAGER -> f.setOverloadManager(true);
                case DNS_RESOLUTION_FAILURE -> f.setDnsResolutionFailure(true);
                case INVALID_ENVOY_REQUEST_HEADERS -> f.setInvalidEnvoyRequestHeaders(true);
            }
        }
        return f.build();
    }

    private static TLSProperties tls(TlsConnection tls, String sni) {
        TLSProperties.Builder t = TLSProperties.newBuilder();
        String v = tls.protocol();
        if (v != null) {
            t.setTlsVersion(switch (v) {
                case "TLSv1" -> TLSProperties.TLSVersion.TLSv1;
                case "TLSv1.1" -> TLSProperties.TLSVersion.TLSv1_1;
                case "TLSv1.2" -> TLSProperties.TLSVersion.TLSv1_2;
                case "TLSv1.3" -> TLSProperties.TLSVersion.TLSv1_3;
                default -> TLSProperties.TLSVersion.VERSION_UNSPECIFIED;
            });
        }
        setIf(sni, t::setTlsSniHostname);
        setIf(tls.sessionId(), t::setTlsSessionId);
        if (tls.peerCertificate() != null) {
            t.setPeerCertificateProperties(certificate(tls.peerSubject(), tls.peerUriSans(), tls.peerDnsSans()));
        }
        if (tls.localCertificate() != null) {
            t.setLocalCertificateProperties(certificate(tls.localSubject(), tls.localUriSans(), tls.localDnsSans()));
        }
        return t.build();
    }

    private static TLSProperties.CertificateProperties certificate(String subject, List<String> uris,
                                                                   List<String> dns) {
        TLSProperties.CertificateProperties.Builder b = TLSProperties.CertificateProperties.newBuilder();
        setIf(subject, b::setSubject);
        uris.forEach(u -> b.addSubjectAltNameBuilder().setUri(u));
        dns.forEach(d -> b.addSubjectAltNameBuilder().setDns(d));
        return b.build();
    }

    private static RequestMethod method(String m) {
        try {
            return RequestMethod.valueOf(m);
        } catch (IllegalArgumentException other) {
            return RequestMethod.METHOD_UNSPECIFIED;
        }
    }

    private static com.google.protobuf.Duration duration(long nanos) {
        return com.google.protobuf.Duration.newBuilder().setSeconds(nanos / 1_000_000_000L)
                .setNanos((int) (nanos % 1_000_000_000L)).build();
    }

    private static void address(java.net.SocketAddress a, java.util.function.Consumer<Address> set) {
        if (a instanceof InetSocketAddress in) {
            String host = in.getAddress() != null ? in.getAddress().getHostAddress() : in.getHostString();
            set.accept(Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(host)
                    .setPortValue(in.getPort())).build());
        } else if (a instanceof io.netty.channel.unix.DomainSocketAddress uds) {
            set.accept(Address.newBuilder().setPipe(Pipe.newBuilder().setPath(uds.path())).build());
        }
    }

    private static void copy(Http2Headers h, List<String> names, java.util.function.BiConsumer<String, String> put) {
        if (h == null) {
            return;
        }
        for (String name : names) {
            CharSequence v = h.get(name);
            if (v != null) {
                put.accept(name, v.toString());
            }
        }
    }

    private static void setIf(Http2Headers h, String name, java.util.function.Consumer<String> set) {
        setIf(h == null ? null : h.get(name), set);
    }

    private static void setIf(CharSequence v, java.util.function.Consumer<String> set) {
        if (v != null && !v.isEmpty()) {
            set.accept(v.toString());
        }
    }
}
