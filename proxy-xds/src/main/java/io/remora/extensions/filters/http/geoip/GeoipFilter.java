package io.remora.extensions.filters.http.geoip;

import io.micrometer.core.instrument.Counter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.extensions.geoip_providers.maxmind.MaxMindProvider;
import io.remora.http.XForwardedFor;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamDecoderFilter;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Envoy's geolocation filter for one request: the client is the address {@code xff_num_trusted_hops}
 * entries from the right of {@code x-forwarded-for} when that is set and such an entry parses, else
 * the address the connection manager derived (else the peer). The provider's lookup is a read of a
 * mapped file, so it runs here on the event loop and the request continues at once; headers the
 * lookup finds replace the client's, headers it does not find are left as they came, as in Envoy.
 */
final class GeoipFilter implements StreamDecoderFilter {
    private static final AsciiString XFF = AsciiString.cached("x-forwarded-for");

    private final int xffNumTrustedHops;
    private final MaxMindProvider provider;
    private final GeoipStats stats;
    private DecoderFilterCallbacks cb;

    GeoipFilter(int xffNumTrustedHops, MaxMindProvider provider, GeoipStats stats) {
        this.xffNumTrustedHops = xffNumTrustedHops;
        this.provider = provider;
        this.stats = stats;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.cb = callbacks;
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        Counter[] counters = stats.of(cb.connectionManagerStats().prefix());
        InetAddress client = null;
        if (xffNumTrustedHops > 0) {
            CharSequence xff = headers.get(XFF);
            if (xff != null) {
                client = XForwardedFor.fromRight(xff, xffNumTrustedHops);
            }
        }
        if (client == null) {
            client = ip(cb.streamInfo().downstreamRemoteAddress);
        }
        if (client == null) {
            client = ip(cb.connection().remoteAddress());
        }
        if (client != null) {
            provider.lookup(client, headers, counters);
        }
        counters[GeoipStats.TOTAL].increment();
        return FilterStatus.CONTINUE;
    }

    private static InetAddress ip(SocketAddress a) {
        return a instanceof InetSocketAddress isa ? isa.getAddress() : null;
    }
}
