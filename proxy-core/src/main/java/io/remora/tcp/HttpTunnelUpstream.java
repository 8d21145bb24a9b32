package io.remora.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.HeaderBlock;
import io.remora.config.ClusterConfig.UpstreamProtocol;
import io.remora.config.HeaderMutation;
import io.remora.config.TunnelingConfig;
import io.remora.http.upstream.Cancellable;
import io.remora.http.upstream.ConnectionPool;
import io.remora.http.upstream.ResetReason;
import io.remora.http.upstream.UpstreamCallbacks;
import io.remora.http.upstream.UpstreamStream;
import io.remora.network.FilterState;
import io.remora.route.HeaderFormatter;
import io.remora.tls.TlsConnection;
import io.remora.upstream.Host;

import java.net.SocketAddress;

/**
 * tcp_proxy's tunneling_config for one session: the bytes go in an HTTP stream from the cluster's
 * connection pool, a CONNECT to {@code hostname} (or a POST with use_post) carrying the configured
 * headers. Until a 2xx answers, the session counts as connecting; any other answer, or no stream,
 * fails the connect as a refused TCP connection would (an HTTP/2 stream wants exactly 200, as Envoy's).
 * After it, downstream bytes are the request body and the response body goes downstream; each side's
 * end is the other's FIN. A refused or reset tunnel is a connect failure without a transport failure
 * reason (Envoy's HttpConnPool::Callbacks::onFailure reports ""); the pool's own failure keeps its
 * reason. None of this counts upstream_cx_connect_fail: the connection, if any, is the pool's
 * (Envoy's HttpConnPool::Callbacks::onFailure is a RemoteConnectionFailure and no more). With propagate_response_headers/_trailers the answer's headers (a refused
 * one's too) and trailers are left in the downstream connection's filter state.
 */
final class HttpTunnelUpstream implements TcpUpstream, UpstreamCallbacks {

    private static final java.util.logging.Logger LOG = io.remora.log.Logging.logger("upstream");

    /** What the tunnel request reads: the downstream connection's addresses. */
    record Head(HeaderFormatter hostname, TunnelingConfig config, HeaderFormatter[] values) {
        static Head of(TunnelingConfig c) {
            HeaderFormatter[] values = new HeaderFormatter[c.headersToAdd().size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = HeaderFormatter.compile(c.headersToAdd().get(i).value());
            }
            return new Head(HeaderFormatter.compile(c.hostname()), c, values);
        }
    }

    private final TcpProxySession session;
    private final Host host;
    private final Head head;
    private final HeaderFormatter.Context context;
    private Cancellable pending;
    private UpstreamStream stream;
    private boolean established;
    private boolean requestEnded;
    private boolean done;

    HttpTunnelUpstream(TcpProxySession session, Host host, Head head, HeaderFormatter.Context context) {
        this.session = session;
        this.host = host;
        this.head = head;
        this.context = context;
    }

    /** Asks the pool for the stream; the outcome comes back through the callbacks. */
    void open(ConnectionPool pool) {
        pending = pool.newStream(this);
    }

    /** The pool protocol a tunnel to this cluster uses: HTTP/2 CONNECT where the cluster speaks it. */
    static UpstreamProtocol protocol(UpstreamProtocol cluster) {
        return cluster == UpstreamProtocol.HTTP2 || cluster == UpstreamProtocol.AUTO ? cluster : UpstreamProtocol.HTTP1;
    }

    /** As Envoy's tcp_proxy tunnels: only routers count a host's rq_success and rq_error, never the pools. */
    @Override
    public boolean poolCountsHostResults() {
        return false;
    }

    @Override
    public void onPoolReady(UpstreamStream s) {
        pending = null;
        stream = s;
        // The stream's connection is the session's upstream one from now on, a refused tunnel's
        // too (Envoy's HttpConnPool::onPoolReady sets the upstream connection id before the answer).
        session.streamInfo.upstreamConnection = io.remora.accesslog.UpstreamConnectionFacts.of(
                io.remora.network.ConnectionIds.of(s.connection()), s.connectTimes());
        s.enableTcpTunneling();
        Http2Headers h = new HeaderBlock();
        String authority = head.hostname().format(null, context);
        if (head.config().usePost()) {
            h.method("POST").scheme(tls() != null ? "https" : "http").path(head.config().postPath());
        } else {
            h.method("CONNECT");
        }
        h.authority(authority);
        for (int i = 0; i < head.values().length; i++) {
            HeaderMutation.HeaderValueOption o = head.config().headersToAdd().get(i);
            String value = head.values()[i].format(h, context);
            if (value.isEmpty() && !o.keepEmptyValue()) {
                continue;
            }
            switch (o.action()) {
                case OVERWRITE_IF_EXISTS_OR_ADD -> h.set(o.key(), value);
                case ADD_IF_ABSENT -> {
                    if (!h.contains(o.key())) {
                        h.add(o.key(), value);
                    }
                }
                case OVERWRITE_IF_EXISTS -> {
                    if (h.contains(o.key())) {
                        h.set(o.key(), value);
                    }
                }
                default -> h.add(o.key(), value);
            }
        }
        s.writeHeaders(h, false);
    }

    @Override
    public void onPoolFailure(ResetReason reason, String transportFailureReason) {
        pending = null;
        done = true;
        LOG.fine(() -> "no tunnel stream to " + host.address() + ": " + reason + " " + transportFailureReason);
        // The pool counted its own connection's failure; the session takes the reason as Envoy's
        // tcp_proxy takes HttpConnPool::onPoolFailure's.
        TcpUpstreamAttempts.failed(session, host, reason, transportFailureReason);
    }

    @Override
    public void onResponseHeaders(Http2Headers headers, boolean endStream) {
        CharSequence status = headers.status();
        if (!established) {
            if (head.config().propagateResponseHeaders()) {
                // Also a refused answer's, and a later attempt's replace an earlier one's (Envoy: Mutable).
                keep(TunnelResponseHeaders.HEADERS_KEY, headers, FilterState.Mutability.MUTABLE);
            }
            // An answer that ends the stream opens nothing either, 200 or not (Envoy's
            // HttpUpstream DecoderShim::decodeHeaders: !is_valid_response || end_stream).
            if (!validAnswer(status) || endStream) {
                String why = "tunnel refused with status " + status + (endStream ? " and its end" : "");
                LOG.fine(() -> "tunnel to " + host.address() + ": " + why);
                done = true;
                stream.reset();
                TcpUpstreamAttempts.failed(session, host, ResetReason.CONNECTION_FAILURE, null);
                return;
            }
            established = true;
            TcpUpstreamAttempts.connected(session, this, host);
        }
        if (endStream) {
            ended();
        }
    }

    /**
     * Envoy's HttpUpstream::isValidResponse: any 2xx over HTTP/1.1 (RFC 7231 4.3.6), only 200 to an
     * HTTP/2 CONNECT (RFC 9113 8.5) or POST.
     */
    private boolean validAnswer(CharSequence status) {
        if (status == null || status.length() != 3 || status.charAt(0) != '2') {
            return false;
        }
        return "HTTP/1.1".equals(stream.protocol()) || "200".contentEquals(status);
    }

    private void keep(String key, Http2Headers headers, FilterState.Mutability mutability) {
        if (session.downstream != null) {
            FilterState.of(session.downstream).set(key, new TunnelResponseHeaders(headers), mutability);
        }
    }

    @Override
    public void onResponseData(ByteBuf data, boolean endStream) {
        if (data.isReadable()) {
            session.fromUpstream(data);
            session.upstreamReadComplete();
        } else {
            data.release();
        }
        if (endStream) {
            ended();
        }
    }

    @Override
    public void onResponseTrailers(Http2Headers trailers) {
        if (head.config().propagateResponseTrailers()) {
            keep(TunnelResponseHeaders.TRAILERS_KEY, trailers, FilterState.Mutability.READ_ONLY);
        }
        // The trailers end the answer: the client gets its FIN (Envoy's
        // tcp_tunneling_send_downstream_fin_on_upstream_trailers).
        ended();
    }

    private void ended() {
        if (requestEnded) {
            done = true;
        }
        session.upstreamEnded();
    }

    @Override
    public void onReset(ResetReason reason) {
        if (done) {
            return;
        }
        LOG.fine(() -> "tunnel to " + host.address() + " reset: " + reason);
        done = true;
        if (!established) {
            TcpUpstreamAttempts.failed(session, host, ResetReason.CONNECTION_FAILURE, null);
            return;
        }
        if (reason == ResetReason.REMOTE_RESET || reason == ResetReason.REMOTE_REFUSED_STREAM_RESET) {
            // Envoy 1.38 maps a remote reset of the tunnel's stream to a TCP reset of the client's connection.
            session.upstreamWasReset();
        } else {
            session.upstreamFailed(null);
        }
        TcpSessionCloses.upstreamClosed(session);
    }

    @Override
    public void onWritabilityChanged(boolean writable) {
        session.upstreamWritabilityChanged(writable);
    }

    // --- TcpUpstream ---

    @Override
    public void write(ByteBuf data) {
        stream.writeData(data, false);
    }

    @Override
    public void flush() {
        // the stream writes through at once
    }

    @Override
    public boolean isWritable() {
        return stream != null && stream.isWritable();
    }

    @Override
    public void readEnabled(boolean enabled) {
        if (stream != null && !done) {
            stream.readEnabled(enabled);
        }
    }

    @Override
    public void shutdownOutput() {
        if (!requestEnded && stream != null && !done) {
            requestEnded = true;
            stream.writeData(Unpooled.EMPTY_BUFFER, true);
        }
    }

    @Override
    public void closeAfterFlush() {
        shutdownOutput();
    }

    @Override
    public void close() {
        if (pending != null) {
            pending.cancel();
            pending = null;
        }
        if (stream != null && !done) {
            done = true;
            stream.reset();
        }
    }

    @Override
    public io.netty.channel.Channel connection() {
        return stream == null ? null : stream.connection();
    }

    @Override
    public SocketAddress localAddress() {
        return stream == null ? null : stream.localAddress();
    }

    @Override
    public TlsConnection tls() {
        return stream == null ? null : stream.tls();
    }

    @Override
    public FilterState filterState() {
        return stream == null ? null : FilterState.of(stream.connection());
    }
}
