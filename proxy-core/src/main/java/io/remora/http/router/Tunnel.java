package io.remora.http.router;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.config.ClusterConfig.UpstreamProtocol;
import io.remora.config.ForwardAction;
import io.remora.config.Http2Options;
import io.remora.http.Upgrades;
import io.remora.upstream.Cluster;

/**
 * What the router does differently for a request whose body is a byte stream: an upgrade
 * (WebSocket), a CONNECT, or a POST on a route whose {@code connect_config} allows it. Such a
 * stream is never retried or mirrored; once the upstream accepts it (101 to an upgrade, 2xx to
 * CONNECT) the route and per-try timeouts stop applying, and either side may end its half first.
 */
final class Tunnel {
    /** Upgrade + Connection: upgrade; both stay on the request sent upstream. */
    final boolean upgrade;
    final boolean connect;
    /** The route terminates the tunnel: the payload goes to the host as raw TCP. */
    final boolean terminate;
    /** The upstream accepted the tunnel. */
    boolean established;
    /** The Sec-WebSocket-Accept the upstream owes the key this hop made ({@link WebSocketHandshake}); null for none. */
    String expectedAccept;

    private Tunnel(boolean upgrade, boolean connect, boolean terminate) {
        this.upgrade = upgrade;
        this.connect = connect;
        this.terminate = terminate;
    }

    /** The tunnel a request asks for on this route, or null for an ordinary request. */
    static Tunnel of(Http2Headers headers, ForwardAction route) {
        boolean connect = Upgrades.isConnect(headers);
        boolean upgrade = !connect && Upgrades.isUpgrade(headers);
        ForwardAction.ConnectConfig cc = route.upgrades().connectConfig();
        CharSequence method = headers.method();
        boolean post = method != null && AsciiString.contentEquals("POST", method);
        boolean terminate = cc != null && (connect || (post && cc.allowPost()));
        if (!upgrade && !connect && !terminate) {
            return null;
        }
        return new Tunnel(upgrade, connect, terminate);
    }

    /** Extended CONNECT needs the cluster's allow_connect; without it an upgrade goes upstream as HTTP/1.1. */
    UpstreamProtocol upstreamProtocol(UpstreamProtocol p, Cluster cluster) {
        if (upgrade && p == UpstreamProtocol.HTTP2) {
            Http2Options o = cluster.config().http2Options();
            if (o == null || !o.allowConnect()) {
                return UpstreamProtocol.HTTP1;
            }
        }
        return p;
    }

    /** A tunnel whose upstream half ended first completes when the client's half ends too. */
    static void completeIfBothEnded(RouterFilter r) {
        UpstreamRequest a = r.current;
        if (r.tunnel != null && r.downstreamEnded && a != null && a.responseEnded && !a.finished && !r.done) {
            UpstreamResponse.onComplete(r, a);
        }
    }

    /** Whether this response status means the upstream took the tunnel. */
    boolean accepts(int status) {
        if (upgrade) {
            return status == 101;
        }
        return status >= 200 && status < 300;
    }
}
