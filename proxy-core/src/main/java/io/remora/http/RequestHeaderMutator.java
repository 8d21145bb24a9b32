package io.remora.http;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.netty.util.NetUtil;
import io.remora.config.HttpConnectionManagerConfig;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Envoy's request header handling before the filters run ({@code ConnectionManagerUtility::
 * mutateRequestHeaders}): referer, x-forwarded-for, x-forwarded-proto, x-envoy-internal,
 * x-envoy-external-address, x-request-id, and stripping Envoy's internal headers from external
 * requests.
 */
final class RequestHeaderMutator {

    static final AsciiString XFF = AsciiString.cached("x-forwarded-for");
    static final AsciiString XFP = AsciiString.cached("x-forwarded-proto");
    static final AsciiString X_ENVOY_INTERNAL = AsciiString.cached("x-envoy-internal");
    static final AsciiString X_ENVOY_EXTERNAL_ADDRESS = AsciiString.cached("x-envoy-external-address");
    static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");
    static final AsciiString X_FORWARDED_PORT = AsciiString.cached("x-forwarded-port");
    static final AsciiString VIA = AsciiString.cached("via");
    private static final AsciiString REFERER = AsciiString.cached("referer");
    private static final AsciiString TRUE = AsciiString.cached("true");

    /** Removed from edge requests only (Envoy's cleanInternalHeaders). */
    private static final AsciiString[] EDGE_ONLY_HEADERS = {
            AsciiString.cached("x-envoy-decorator-operation"),
            AsciiString.cached("x-envoy-downstream-service-cluster"),
            AsciiString.cached("x-envoy-downstream-service-node"),
    };

    /**
     * Headers only Envoy itself (an internal hop) may set: removed from every request that is not
     * internal, edge or not, as Envoy's cleanInternalHeaders does.
     */
    static final AsciiString[] ENVOY_INTERNAL_HEADERS = {
            AsciiString.cached("x-envoy-retriable-status-codes"),
            AsciiString.cached("x-envoy-retriable-header-names"),
            AsciiString.cached("x-envoy-retry-on"),
            AsciiString.cached("x-envoy-retry-grpc-on"),
            AsciiString.cached("x-envoy-max-retries"),
            AsciiString.cached("x-envoy-upstream-alt-stat-name"),
            AsciiString.cached("x-envoy-upstream-rq-timeout-ms"),
            AsciiString.cached("x-envoy-upstream-rq-per-try-timeout-ms"),
            AsciiString.cached("x-envoy-upstream-rq-timeout-alt-response"),
            AsciiString.cached("x-envoy-expected-rq-timeout-ms"),
            AsciiString.cached("x-envoy-force-trace"),
            AsciiString.cached("x-envoy-ip-tags"),
            AsciiString.cached("x-envoy-original-url"),
            AsciiString.cached("x-envoy-hedge-on-per-try-timeout"),
    };

    private static final AsciiString DOWNSTREAM_SERVICE_CLUSTER =
            AsciiString.cached("x-envoy-downstream-service-cluster");
    private static final AsciiString DOWNSTREAM_SERVICE_NODE = AsciiString.cached("x-envoy-downstream-service-node");
    private static final AsciiString USER_AGENT = AsciiString.cached("user-agent");

    private RequestHeaderMutator() {
    }

    /** @return 0, or the status an original IP detection extension rejects the request with */
    static int mutate(Http2Headers h, ActiveStream s) {
        HttpConnectionManagerConfig cfg = s.hcm.config;
        ConnectionContext cx = s.cx;
        CharSequence referer = h.get(REFERER);
        if (referer != null && (!RefererCheck.valid(referer) || h.getAll(REFERER).size() > 1)) {
            h.remove(REFERER);
        }
        CharSequence xff = h.get(XFF);
        InetAddress trusted;
        InetAddress fromXff = null;
        boolean singleAddress;
        if (cfg.useRemoteAddress()) {
            InetSocketAddress remote = cx.remoteInet();
            trusted = remote == null ? null : remote.getAddress();
            if (cfg.xffNumTrustedHops() > 0 && xff != null) {
                // Trusted proxies in front of us: the client is that many hops back in XFF.
                fromXff = XForwardedFor.fromRight(xff, cfg.xffNumTrustedHops() - 1);
                if (fromXff != null) {
                    trusted = fromXff;
                }
            }
            singleAddress = xff == null;
            if (!cfg.skipXffAppend() && remote != null) {
                appendXff(h, xff, s, remote);
            }
            if (cfg.xffNumTrustedHops() == 0) {
                h.set(XFP, cx.scheme());
                if (cfg.appendXForwardedPort()) {
                    setForwardedPort(h, cx);
                }
            }
        } else if (s.hcm.ipDetectors != null) {
            OriginalIpDetectors.Detection d = s.hcm.ipDetectors.detect(h, cx.remoteInet());
            if (d != null && d.address() == null) {
                return d.rejectStatus();
            }
            trusted = d == null ? null : d.address();
            fromXff = trusted;
            // Envoy's allow_trusted_address_checks: only then may the address make the request internal.
            singleAddress = d != null && d.trusted();
            if (d != null && d.appendXff() && cx.remoteInet() != null) {
                appendXff(h, xff, s, cx.remoteInet());
            }
        } else {
            trusted = xff == null ? null : XForwardedFor.fromRight(xff, cfg.xffNumTrustedHops());
            fromXff = trusted;
            singleAddress = xff != null && indexOf(xff, ',') < 0;
        }
        if (fromXff != null) {
            // Envoy's final remote address: what filters (RBAC remote_ip, rate limit remote_address)
            // and %DOWNSTREAM_REMOTE_ADDRESS% see from here on; the socket peer stays the direct one.
            s.info.downstreamRemoteAddress = new InetSocketAddress(fromXff, 0);
        }
        if (!h.contains(XFP)) {
            h.set(XFP, cx.scheme());
        }
        if (cfg.appendXForwardedPort() && !h.contains(X_FORWARDED_PORT)) {
            setForwardedPort(h, cx);
        }
        if (cfg.schemeToOverwrite() != null) {
            h.scheme(cfg.schemeToOverwrite());
            h.set(XFP, cfg.schemeToOverwrite());
        } else if (cfg.schemeMatchUpstream()) {
            s.info.schemeMatchUpstream(true); // the router sets :scheme once it knows the upstream
        }
        if (h.scheme() == null) {
            // An HTTP/1 request not in absolute form: x-forwarded-proto as it now stands (sanitized,
            // or a trusted hop's) when it names http or https in any case, else the connection's.
            CharSequence xfp = h.get(XFP);
            h.scheme(xfp != null && (AsciiString.contentEqualsIgnoreCase(xfp, "http")
                    || AsciiString.contentEqualsIgnoreCase(xfp, "https")) ? xfp : cx.scheme());
        }
        // A Unix socket peer has no address to trust: internal only as internal_address_config says.
        boolean internal = singleAddress && (trusted != null ? s.hcm.isInternal(trusted)
                : cfg.useRemoteAddress() && fromXff == null && s.hcm.isInternal(cx.remoteAddress()));
        boolean edge = cfg.useRemoteAddress() && !internal;
        if (internal) {
            h.set(X_ENVOY_INTERNAL, TRUE);
        } else {
            h.remove(X_ENVOY_INTERNAL);
            if (edge) {
                for (AsciiString name : EDGE_ONLY_HEADERS) {
                    h.remove(name);
                }
                if (trusted != null) {
                    h.set(X_ENVOY_EXTERNAL_ADDRESS, NetUtil.toAddressString(trusted));
                }
            }
            removeEnvoyInternal(h);
            List<String> internalOnly = s.routes.internalOnlyHeaders();
            for (int i = 0; i < internalOnly.size(); i++) {
                h.remove(AsciiString.of(internalOnly.get(i)).toLowerCase());
            }
        }
        if (cfg.via() != null) {
            appendVia(h, cfg.via());
        }
        if (cfg.addUserAgent()) {
            // Envoy's userAgent(): this proxy's service cluster names the downstream to the next hop.
            io.remora.config.NodeInfo node = s.hcm.context.node();
            String cluster = node.cluster() == null ? "" : node.cluster();
            h.set(DOWNSTREAM_SERVICE_CLUSTER, cluster);
            CharSequence ua = h.get(USER_AGENT);
            if (ua == null || ua.length() == 0) {
                h.set(USER_AGENT, cluster);
            }
            if (node.id() != null && !node.id().isEmpty()) {
                h.set(DOWNSTREAM_SERVICE_NODE, node.id());
            }
        }
        if (cfg.generateRequestId()) {
            CharSequence id = h.get(X_REQUEST_ID);
            if (id == null || (edge && !cfg.preserveExternalRequestId())) {
                h.set(X_REQUEST_ID, io.remora.util.Uuid4.random());
            } else if (edge && cfg.requestIdPackTraceReason() && id.length() == 36 && id.charAt(14) != '4') {
                // Envoy 1.33 on: an external id kept at the edge is not trusted to carry a trace
                // decision, so the reason packed in it (its 15th character) is cleared.
                StringBuilder untraced = new StringBuilder(id);
                untraced.setCharAt(14, '4');
                h.set(X_REQUEST_ID, untraced.toString());
            }
        }
        return 0;
    }

    /**
     * Removes {@link #ENVOY_INTERNAL_HEADERS}: on the codec's header block one pass that looks only
     * at {@code x-envoy-} names, since every request that is not internal goes through here.
     */
    private static void removeEnvoyInternal(Http2Headers h) {
        if (!(h instanceof HeaderBlock b)) {
            for (AsciiString name : ENVOY_INTERNAL_HEADERS) {
                h.remove(name);
            }
            return;
        }
        for (int i = b.size() - 1; i >= b.pseudoCount(); i--) {
            CharSequence n = b.name(i);
            if (n.length() > 8 && (n.charAt(0) | 0x20) == 'x' && n.charAt(1) == '-' && isEnvoyInternal(n)) {
                b.removeAt(i);
            }
        }
    }

    private static boolean isEnvoyInternal(CharSequence name) {
        for (AsciiString internal : ENVOY_INTERNAL_HEADERS) {
            if (internal.contentEqualsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    private static void appendXff(Http2Headers h, CharSequence xff, ActiveStream s, InetSocketAddress remote) {
        // Envoy appends its own (local_info) address for loopback peers (a local sidecar hop).
        InetAddress appendFrom = remote.getAddress();
        if (InternalAddresses.isLoopback(appendFrom)) {
            InetAddress local = s.hcm.context.localAddress();
            InetSocketAddress own = s.cx.localInet();
            appendFrom = local != null ? local : own != null ? own.getAddress() : appendFrom;
        }
        String ip = NetUtil.toAddressString(appendFrom);
        // Envoy's appendToHeader: no delimiter after an empty value.
        h.set(XFF, xff == null || xff.length() == 0 ? ip : xff + "," + ip);
    }

    private static void setForwardedPort(Http2Headers h, ConnectionContext cx) {
        InetSocketAddress local = cx.localInet();
        if (local != null) {
            h.setInt(X_FORWARDED_PORT, local.getPort());
        }
    }

    /** Envoy's appendVia: the value joins an existing Via after ", ". */
    static void appendVia(Http2Headers h, String via) {
        CharSequence existing = h.get(VIA);
        h.set(VIA, existing == null || existing.length() == 0 ? via : existing + ", " + via);
    }

    static int indexOf(CharSequence s, char c) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == c) {
                return i;
            }
        }
        return -1;
    }
}
