package io.remora.extensions.filters.http.ip_tagging;

import io.micrometer.core.instrument.Counter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.extensions.filters.http.common.HcmCounters;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamDecoderFilter;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Envoy's IP tagging filter for one request: the names of the tags whose ranges hold the
 * downstream address (the client the connection manager derived from {@code x-forwarded-for},
 * else the peer) are written, comma-separated, to {@code x-envoy-ip-tags} or the configured header,
 * and the route is picked again so routes can match on them.
 */
final class IpTaggingFilter implements StreamDecoderFilter {
    static final AsciiString LEGACY_HEADER = AsciiString.cached("x-envoy-ip-tags");
    private static final AsciiString INTERNAL = AsciiString.cached("x-envoy-internal");
    /** Envoy's runtime key: the percentage of requests the filter runs on. */
    static final String ENABLED_KEY = "ip_tagging.http_filter_enabled";

    private final IpTaggingConfig config;
    private final AsciiString header;
    /** Per tag in config order its {@code <tag>.hit}, then {@code no_hit} and {@code total}. */
    private final HcmCounters counters;
    private DecoderFilterCallbacks cb;

    IpTaggingFilter(IpTaggingConfig config, AsciiString header, HcmCounters counters) {
        this.config = config;
        this.header = header;
        this.counters = counters;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.cb = callbacks;
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        boolean internal = AsciiString.contentEquals("true", headers.get(INTERNAL));
        if (internal && config.requestType() == IpTaggingConfig.RequestType.EXTERNAL
                || !internal && config.requestType() == IpTaggingConfig.RequestType.INTERNAL
                || !cb.serverContext().runtime().featureEnabled(ENABLED_KEY, 100)) {
            return FilterStatus.CONTINUE;
        }
        Counter[] stats = counters.of(cb.connectionManagerStats().prefix());
        InetAddress ip = ip(cb.streamInfo().downstreamRemoteAddress);
        if (ip == null) {
            ip = ip(cb.connection().remoteAddress());
        }
        StringBuilder tags = null;
        if (ip != null) {
            byte[] raw = ip.getAddress();
            for (int i = 0; i < config.tags().size(); i++) {
                IpTaggingConfig.Tag t = config.tags().get(i);
                for (var range : t.ranges()) {
                    if (range.contains(raw)) {
                        tags = tags == null ? new StringBuilder(t.name()) : tags.append(',').append(t.name());
                        stats[i].increment();
                        break;
                    }
                }
            }
        }
        int n = config.tags().size();
        if (tags == null) {
            stats[n].increment();
            if (config.sanitize() && headers.remove(header)) {
                cb.clearRouteCache();
            }
        } else {
            CharSequence existing = config.sanitize() ? null : headers.get(header);
            headers.set(header, existing == null || existing.length() == 0 ? tags : existing + "," + tags);
            cb.clearRouteCache(); // routes may match on the tags
        }
        stats[n + 1].increment();
        return FilterStatus.CONTINUE;
    }

    private static InetAddress ip(SocketAddress a) {
        return a instanceof InetSocketAddress isa ? isa.getAddress() : null;
    }
}
