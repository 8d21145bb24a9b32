package io.remora.xds.translate;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.KeepaliveSettings;
import io.remora.config.Http2Options;

import java.time.Duration;
import java.util.Map;

/**
 * {@code config.core.v3.Http2ProtocolOptions} to {@link Http2Options}, for the HTTP connection
 * manager's {@code http2_protocol_options} and a cluster's (the deprecated cluster field, or the
 * typed {@code HttpProtocolOptions}' explicit, downstream-protocol and auto configs).
 * Downstream, {@code override_stream_error_on_invalid_http_message} is resolved with the HCM's
 * own field by HcmHeaderOptionsTranslator; {@code use_oghttp2_codec} picks Envoy's codec library
 * and changes nothing here.
 */
final class Http2OptionsTranslator {

    private static final Duration ONE_MS = Duration.ofMillis(1);
    private static final Duration IDLE_MIN = Duration.ofMillis(100);
    /** interval_jitter when unset, in percent (Envoy's default). */
    private static final double DEFAULT_JITTER = 15.0;

    private Http2OptionsTranslator() {
    }

    static Http2Options translate(Http2ProtocolOptions o, FieldPath path, TranslationContext ctx) {
        Http2Options d = Http2Options.DEFAULT;
        atLeastOne(o.hasMaxOutboundFrames(), o.getMaxOutboundFrames(), path.field("max_outbound_frames"));
        atLeastOne(o.hasMaxOutboundControlFrames(), o.getMaxOutboundControlFrames(),
                path.field("max_outbound_control_frames"));
        atLeastOne(o.hasMaxInboundWindowUpdateFramesPerDataFrameSent(), o.getMaxInboundWindowUpdateFramesPerDataFrameSent(),
                path.field("max_inbound_window_update_frames_per_data_frame_sent"));
        inRange(o.hasMaxConcurrentStreams(), o.getMaxConcurrentStreams(), 1, path.field("max_concurrent_streams"));
        inRange(o.hasInitialStreamWindowSize(), o.getInitialStreamWindowSize(), 65535,
                path.field("initial_stream_window_size"));
        inRange(o.hasInitialConnectionWindowSize(), o.getInitialConnectionWindowSize(), 65535,
                path.field("initial_connection_window_size"));
        Map<Integer, Long> custom = Http2CustomSettings.translate(o, path);
        if (o.getAllowMetadata()) {
            ctx.warnOnce("http2_protocol_options.allow_metadata", "METADATA frames are not proxied: they are read"
                    + " and dropped, as without allow_metadata, first at " + path.field("allow_metadata"));
        }
        if (o.getAllowMetadata() && o.hasMaxMetadataSize()) {
            ctx.warnOnce("http2_protocol_options.max_metadata_size", "max_metadata_size has nothing to limit: METADATA"
                    + " frames are dropped, first at " + path.field("max_metadata_size"));
        }
        return Http2Options.builder()
                .maxConcurrentStreams(Protos.uint(o.hasMaxConcurrentStreams(), o.getMaxConcurrentStreams(),
                        d.maxConcurrentStreams()))
                .initialStreamWindowSize(Protos.uint(o.hasInitialStreamWindowSize(), o.getInitialStreamWindowSize(),
                        d.initialStreamWindowSize()))
                .initialConnectionWindowSize(Protos.uint(o.hasInitialConnectionWindowSize(),
                        o.getInitialConnectionWindowSize(), d.initialConnectionWindowSize()))
                .allowConnect(o.getAllowConnect())
                .keepalive(o.hasConnectionKeepalive()
                        ? keepalive(o.getConnectionKeepalive(), path.field("connection_keepalive")) : null)
                .hpackTableSize(o.hasHpackTableSize() ? Integer.toUnsignedLong(o.getHpackTableSize().getValue())
                        : d.hpackTableSize())
                .maxOutboundControlFrames(Protos.uint(o.hasMaxOutboundControlFrames(), o.getMaxOutboundControlFrames(),
                        d.maxOutboundControlFrames()))
                .maxOutboundFrames(Protos.uint(o.hasMaxOutboundFrames(), o.getMaxOutboundFrames(), d.maxOutboundFrames()))
                // The three inbound limits are uint32 in Envoy: kept unsigned, the guard compares them as such.
                .maxConsecutiveEmptyFrames(o.hasMaxConsecutiveInboundFramesWithEmptyPayload()
                        ? o.getMaxConsecutiveInboundFramesWithEmptyPayload().getValue() : d.maxConsecutiveEmptyFrames())
                .maxPriorityFramesPerStream(o.hasMaxInboundPriorityFramesPerStream()
                        ? o.getMaxInboundPriorityFramesPerStream().getValue() : d.maxPriorityFramesPerStream())
                .maxWindowUpdatesPerDataFrame(o.hasMaxInboundWindowUpdateFramesPerDataFrameSent()
                        ? o.getMaxInboundWindowUpdateFramesPerDataFrameSent().getValue()
                        : d.maxWindowUpdatesPerDataFrame())
                .customSettings(custom)
                .streamErrorOnInvalidHttpMessage(o.hasOverrideStreamErrorOnInvalidHttpMessage()
                        ? o.getOverrideStreamErrorOnInvalidHttpMessage().getValue()
                        : o.getStreamErrorOnInvalidHttpMessaging())
                .build();
    }

    /**
     * The proto's {@code uint32 {gte: min, lte: 2147483647}} rules: a window below HTTP/2's initial
     * 65535 (Envoy only widens), no concurrent stream at all, or a value past 2^31-1 is a config
     * Envoy refuses.
     */
    private static void inRange(boolean has, UInt32Value v, int min, FieldPath path) {
        if (has && (v.getValue() < min)) { // past 2^31-1 reads negative
            throw path.field("value").error("must be between " + min + " and 2147483647");
        }
    }

    /** The proto's {@code uint32 gte: 1} rule of the flood limits. */
    private static void atLeastOne(boolean has, UInt32Value v, FieldPath path) {
        if (has && v.getValue() == 0) {
            throw path.field("value").error("must be at least 1");
        }
    }

    /**
     * KeepaliveSettings with the proto's rules: timeout required and at least 1 ms; interval 0
     * (or unset: no interval PINGs) or at least 1 ms; interval_jitter a percentage (default 15);
     * connection_idle_interval 0 (or unset: off) or at least 100 ms.
     */
    static Http2Options.Keepalive keepalive(KeepaliveSettings k, FieldPath path) {
        if (!k.hasTimeout()) {
            throw path.field("timeout").error("is required");
        }
        Duration timeout = Protos.duration(k.getTimeout());
        if (timeout.compareTo(ONE_MS) < 0) {
            throw path.field("timeout").error("must be at least 1ms");
        }
        Duration interval = Protos.duration(k.hasInterval(), k.getInterval(), Duration.ZERO);
        if (interval.isNegative() || (!interval.isZero() && interval.compareTo(ONE_MS) < 0)) {
            throw path.field("interval").error("must be 0 or at least 1ms");
        }
        double jitter = k.hasIntervalJitter() ? k.getIntervalJitter().getValue() : DEFAULT_JITTER;
        if (!(jitter >= 0 && jitter <= 100)) {
            throw path.field("interval_jitter").field("value").error("must be between 0 and 100");
        }
        Duration idle = Protos.duration(k.hasConnectionIdleInterval(), k.getConnectionIdleInterval(), Duration.ZERO);
        if (idle.isNegative() || (!idle.isZero() && idle.compareTo(IDLE_MIN) < 0)) {
            throw path.field("connection_idle_interval").error("must be 0 or at least 100ms");
        }
        return new Http2Options.Keepalive(interval.toMillis(), timeout.toMillis(), jitter, idle.toMillis());
    }
}
