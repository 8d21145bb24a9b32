package io.remora.http;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.netty.util.NetUtil;
import io.remora.config.OriginalIpDetection;
import io.remora.matching.CompiledCidr;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The HCM's {@code original_ip_detection_extensions}, compiled: Envoy runs them in order in
 * {@code mutateRequestHeaders} (only without use_remote_address), the first address found wins,
 * and one with reject options that finds none ends the request.
 */
final class OriginalIpDetectors {

    /** What one extension found: an address, or (address null) a status to reject with. */
    record Detection(InetAddress address, boolean trusted, boolean appendXff, int rejectStatus) {
    }

    private final Detector[] detectors;

    private OriginalIpDetectors(Detector[] detectors) {
        this.detectors = detectors;
    }

    /** Null when none is configured, so a stream pays one null check. */
    static OriginalIpDetectors of(List<OriginalIpDetection> configs) {
        if (configs.isEmpty()) {
            return null;
        }
        Detector[] d = new Detector[configs.size()];
        for (int i = 0; i < d.length; i++) {
            OriginalIpDetection c = configs.get(i);
            d[i] = c instanceof OriginalIpDetection.Xff x ? new XffDetector(x)
                    : new HeaderDetector((OriginalIpDetection.CustomHeader) c);
        }
        return new OriginalIpDetectors(d);
    }

    /** The first extension's address or rejection; null when none found an address. */
    Detection detect(Http2Headers h, InetSocketAddress peer) {
        for (Detector d : detectors) {
            Detection r = d.detect(h, peer);
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    private interface Detector {
        Detection detect(Http2Headers h, InetSocketAddress peer);
    }

    private static final class XffDetector implements Detector {
        private final int hops;
        private final List<CompiledCidr> trustedCidrs;
        private final boolean appendXff;

        XffDetector(OriginalIpDetection.Xff c) {
            this.hops = c.numTrustedHops();
            this.trustedCidrs = CompiledCidr.of(c.trustedCidrs());
            this.appendXff = !c.skipXffAppend();
        }

        @Override
        public Detection detect(Http2Headers h, InetSocketAddress peer) {
            CharSequence xff = h.get(RequestHeaderMutator.XFF);
            InetAddress found;
            if (!trustedCidrs.isEmpty()) {
                // Envoy's remoteAddressIsTrustedProxy: XFF counts only when the peer is one of ours.
                if (peer == null || peer.getAddress() == null || !XForwardedFor.inAny(trustedCidrs, peer.getAddress())) {
                    return null;
                }
                found = xff == null ? null : XForwardedFor.lastNonTrusted(xff, trustedCidrs);
            } else {
                found = xff == null ? null : XForwardedFor.fromRight(xff, hops);
            }
            if (found == null) {
                return null;
            }
            boolean single = RequestHeaderMutator.indexOf(xff, ',') < 0;
            return new Detection(found, single, appendXff, 0);
        }
    }

    private static final class HeaderDetector implements Detector {
        private final AsciiString name;
        private final boolean trusted;
        private final Detection reject;

        HeaderDetector(OriginalIpDetection.CustomHeader c) {
            this.name = AsciiString.cached(c.headerName());
            this.trusted = c.trusted();
            this.reject = c.rejectStatus() == 0 ? null : new Detection(null, false, false, c.rejectStatus());
        }

        @Override
        public Detection detect(Http2Headers h, InetSocketAddress peer) {
            CharSequence v = h.get(name);
            InetAddress a = v == null ? null : NetUtil.createInetAddressFromIpAddressString(v.toString());
            return a == null ? reject : new Detection(a, trusted, false, 0);
        }
    }
}
