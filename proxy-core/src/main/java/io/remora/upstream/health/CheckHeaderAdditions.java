package io.remora.upstream.health;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.StreamInfo;
import io.remora.config.HeaderMutation;
import io.remora.route.HeaderFormatter;
import io.remora.upstream.Host;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;

/**
 * The headers a check adds (HTTP's {@code request_headers_to_add}, gRPC's {@code initial_metadata})
 * as Envoy's HeaderParser adds them: each value formatted with the command operators against a
 * stream info that knows only the checked host and the protocol, its downstream addresses
 * 127.0.0.1:0 as Envoy's checkers set them; a value that formats empty is left out unless
 * {@code keep_empty_value}; then each by its append action.
 */
final class CheckHeaderAdditions {
    private static final InetSocketAddress NO_DOWNSTREAM = new InetSocketAddress("127.0.0.1", 0);

    private final List<HeaderMutation.HeaderValueOption> options;
    private final HeaderFormatter[] values;

    CheckHeaderAdditions(List<HeaderMutation.HeaderValueOption> options) {
        this.options = List.copyOf(options);
        this.values = new HeaderFormatter[this.options.size()];
        for (int i = 0; i < values.length; i++) {
            String v = this.options.get(i).value();
            values[i] = HeaderFormatter.compile(v == null ? "" : v);
        }
    }

    /** Adds the headers to {@code h}, a check of {@code host} over {@code protocol} ("HTTP/1.1", "HTTP/2"). */
    void apply(Http2Headers h, Host host, String protocol) {
        if (values.length == 0) {
            return;
        }
        StreamInfo info = streamInfo(host, protocol);
        HeaderFormatter.Context context = () -> info;
        for (int i = 0; i < values.length; i++) {
            HeaderMutation.HeaderValueOption o = options.get(i);
            String value = values[i].format(h, context);
            if (value.isEmpty() && !o.keepEmptyValue()) {
                continue;
            }
            String name = o.key().toLowerCase(Locale.ROOT);
            switch (o.action()) {
                case APPEND_IF_EXISTS_OR_ADD -> h.add(name, value);
                case ADD_IF_ABSENT -> {
                    if (!h.contains(name)) {
                        h.add(name, value);
                    }
                }
                case OVERWRITE_IF_EXISTS -> {
                    if (h.contains(name)) {
                        h.set(name, value);
                    }
                }
                default -> h.set(name, value);
            }
        }
    }

    private static StreamInfo streamInfo(Host host, String protocol) {
        StreamInfo info = new StreamInfo();
        info.protocol = protocol;
        info.downstreamRemoteAddress = NO_DOWNSTREAM;
        info.downstreamDirectRemoteAddress = NO_DOWNSTREAM;
        info.downstreamLocalAddress = NO_DOWNSTREAM;
        info.upstreamHostAttempted(host.address(), host.hostname());
        info.upstreamHostMetadata = host.metadataByNamespace;
        return info;
    }
}
