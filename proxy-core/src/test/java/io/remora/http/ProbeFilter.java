package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.ResponseFlag;
import io.remora.config.HttpFilterConfig;
import io.remora.config.RouteFilterConfig;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.http.filter.StreamFilter;
import io.remora.server.ServerContext;

import java.util.concurrent.TimeUnit;

/**
 * A test filter on both paths whose behaviour the request chooses with {@code x-probe-<id>}:
 * {@code stop-headers} (hold the headers, continue 30 ms later), {@code stop-all} (hold
 * everything, continue 30 ms later), {@code buffer-body} (buffer the whole body, then add
 * {@code x-body-length} to the held headers and continue), {@code reply} (local reply 418),
 * {@code reroute} (path /b, clear the route cache), {@code buffer-response} (buffer the response
 * body, then add {@code x-response-length}), {@code own-response} (take the response body, then
 * inject it and continue on a later turn), {@code hold-upstream} (above the encoder watermark from
 * the response headers to the body's end), {@code add-body} (a request without a body gets
 * "added by &lt;id&gt;" as its body from decodeHeaders). Every probe appends its id to the request's
 * {@code x-decode-order} and to the response's {@code x-encode-order}, and reports its per-route
 * config in {@code x-config-<id>}.
 */
final class ProbeFilter implements StreamFilter {

    record Config(String id) implements HttpFilterConfig {
        @Override
        public String filterName() {
            return "test.probe";
        }
    }

    record RouteConfig(String tag) implements RouteFilterConfig {
    }

    static final HttpFilterFactory.Provider<Config> PROVIDER = new HttpFilterFactory.Provider<>() {
        @Override
        public Class<Config> configType() {
            return Config.class;
        }

        @Override
        public HttpFilterFactory create(Config config, ServerContext context) {
            return () -> new ProbeFilter(config.id());
        }
    };

    /** The ids of probes whose onDestroy ran, in order (a probe is decoder and encoder: once each). */
    static final java.util.concurrent.ConcurrentLinkedQueue<String> DESTROYED = new java.util.concurrent.ConcurrentLinkedQueue<>();

    private final String id;
    private DecoderFilterCallbacks decoder;
    private EncoderFilterCallbacks encoder;
    private ByteBuf owned;
    private String mode = "";
    private Http2Headers held;
    private long bodyBytes;

    ProbeFilter(String id) {
        this.id = id;
    }

    @Override
    public void onDestroy() {
        DESTROYED.add(id);
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.decoder = callbacks;
    }

    @Override
    public void setEncoderFilterCallbacks(EncoderFilterCallbacks callbacks) {
        this.encoder = callbacks;
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        CharSequence m = headers.get("x-probe-" + id);
        mode = m == null ? "" : m.toString();
        append(headers, "x-decode-order");
        switch (mode) {
            case "stop-headers" -> {
                decoder.eventLoop().schedule(decoder::continueDecoding, 30, TimeUnit.MILLISECONDS);
                return FilterStatus.STOP_ITERATION;
            }
            case "stop-all" -> {
                decoder.eventLoop().schedule(decoder::continueDecoding, 30, TimeUnit.MILLISECONDS);
                return FilterStatus.STOP_ALL_ITERATION_AND_BUFFER;
            }
            case "buffer-body" -> {
                held = headers;
                return endStream ? FilterStatus.CONTINUE : FilterStatus.STOP_ITERATION;
            }
            case "reply" -> {
                decoder.sendLocalReply(418, "probe " + id + " says no", ResponseFlag.FAULT_INJECTED, "probe_reply");
                return FilterStatus.STOP_ITERATION;
            }
            case "add-body" -> {
                if (endStream) {
                    decoder.addDecodedData(io.netty.buffer.Unpooled.copiedBuffer("added by " + id,
                            java.nio.charset.StandardCharsets.UTF_8));
                }
                return FilterStatus.CONTINUE;
            }
            case "reroute" -> {
                headers.path("/b");
                decoder.clearRouteCache();
                return FilterStatus.CONTINUE;
            }
            default -> {
                return FilterStatus.CONTINUE;
            }
        }
    }

    @Override
    public FilterStatus decodeData(ByteBuf data, boolean endStream) {
        if (!mode.equals("buffer-body")) {
            return FilterStatus.CONTINUE;
        }
        bodyBytes += data.readableBytes();
        if (!endStream) {
            return FilterStatus.STOP_ITERATION_AND_BUFFER;
        }
        held.setLong("x-body-length", bodyBytes);
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeHeaders(Http2Headers headers, boolean endStream) {
        append(headers, "x-encode-order");
        RouteFilterConfig c = encoder.perFilterConfig();
        if (c instanceof RouteConfig rc) {
            headers.set("x-config-" + id, rc.tag());
        }
        headers.setInt("x-configs-" + id, encoder.perFilterConfigs().size());
        if (encoder.clusterName() != null) {
            headers.set("x-cluster", encoder.clusterName());
        }
        if (mode.equals("hold-upstream")) {
            encoder.onEncoderFilterAboveWriteBufferHighWatermark();
        }
        if ((mode.equals("buffer-response") || mode.equals("own-response")) && !endStream) {
            held = headers;
            headers.remove("content-length");
            return FilterStatus.STOP_ITERATION;
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeData(ByteBuf data, boolean endStream) {
        if (mode.equals("hold-upstream") && endStream) {
            encoder.onEncoderFilterBelowWriteBufferLowWatermark();
        }
        if (mode.equals("own-response")) {
            // Takes the body, then (later, as an external service's answer would) hands it on and
            // lets the held headers go: the body must still leave after them.
            owned = owned == null ? data : io.netty.buffer.Unpooled.wrappedBuffer(owned, data);
            if (endStream) {
                ByteBuf all = owned;
                owned = null;
                encoder.eventLoop().execute(() -> {
                    encoder.injectEncodedDataToFilterChain(all, true);
                    encoder.continueEncoding();
                });
            }
            return FilterStatus.STOP_ITERATION;
        }
        if (!mode.equals("buffer-response")) {
            return FilterStatus.CONTINUE;
        }
        bodyBytes += data.readableBytes();
        if (!endStream) {
            return FilterStatus.STOP_ITERATION_AND_BUFFER;
        }
        held.setLong("x-response-length", bodyBytes);
        return FilterStatus.CONTINUE;
    }

    private void append(Http2Headers h, String name) {
        CharSequence v = h.get(name);
        h.set(name, v == null ? id : v + "," + id);
    }
}
