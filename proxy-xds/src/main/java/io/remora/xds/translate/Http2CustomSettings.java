package io.remora.xds.translate;

import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.netty.handler.codec.http2.Http2Settings;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code Http2ProtocolOptions.custom_settings_parameters}, validated as Envoy's
 * initializeAndValidateOptions does, with its messages: server push cannot be enabled, extended
 * CONNECT only through allow_connect, an identifier repeated with another value is inconsistent,
 * and a named field set beside its identifier is a collision. Values a SETTINGS parameter cannot
 * take (a max frame size out of range, say) are refused too.
 */
final class Http2CustomSettings {

    private static final int HEADER_TABLE_SIZE = 0x1;
    private static final int ENABLE_PUSH = 0x2;
    private static final int MAX_CONCURRENT_STREAMS = 0x3;
    private static final int INITIAL_WINDOW_SIZE = 0x4;
    private static final int ENABLE_CONNECT_PROTOCOL = 0x8;

    private Http2CustomSettings() {
    }

    /** Identifier to value. */
    static Map<Integer, Long> translate(Http2ProtocolOptions o, FieldPath path) {
        FieldPath list = path.field("custom_settings_parameters");
        Map<Integer, Long> settings = new LinkedHashMap<>();
        List<String> inconsistent = new ArrayList<>();
        List<String> named = new ArrayList<>();
        for (int i = 0; i < o.getCustomSettingsParametersCount(); i++) {
            var p = o.getCustomSettingsParameters(i);
            FieldPath at = list.index(i);
            if (!p.hasIdentifier()) {
                throw at.field("identifier").error("is required");
            }
            if (!p.hasValue()) {
                throw at.field("value").error("is required");
            }
            long id = Integer.toUnsignedLong(p.getIdentifier().getValue());
            long value = Integer.toUnsignedLong(p.getValue().getValue());
            if (id > 0xffff) {
                throw at.field("identifier").field("value").error("must be at most 65535");
            }
            Long before = settings.putIfAbsent((int) id, value);
            if (before != null && before != value) {
                inconsistent.add(String.format("0x%02x", id));
            }
            switch ((int) id) {
                case ENABLE_PUSH -> {
                    if (value == 1) {
                        throw at.error("server push is not supported by Envoy and can not be enabled via a"
                                + " SETTINGS parameter.");
                    }
                }
                case ENABLE_CONNECT_PROTOCOL -> throw at.error(
                        "the \"allow_connect\" SETTINGS parameter must only be configured through the named field");
                case HEADER_TABLE_SIZE -> collides(o.hasHpackTableSize(), "hpack_table_size", named);
                case MAX_CONCURRENT_STREAMS -> collides(o.hasMaxConcurrentStreams(), "max_concurrent_streams", named);
                case INITIAL_WINDOW_SIZE -> collides(o.hasInitialStreamWindowSize(), "initial_stream_window_size", named);
                default -> {
                    // Unknown identifiers are sent as they are.
                }
            }
            try {
                new Http2Settings().put((char) id, Long.valueOf(value));
            } catch (IllegalArgumentException e) {
                throw at.field("value").error("is not a valid value for SETTINGS parameter "
                        + String.format("0x%02x", id) + ": " + e.getMessage());
            }
        }
        if (!inconsistent.isEmpty()) {
            throw list.error("inconsistent HTTP/2 custom SETTINGS parameter(s) detected; identifiers = {"
                    + String.join(",", inconsistent) + "}");
        }
        if (!named.isEmpty()) {
            throw list.error("the {" + String.join(",", named) + "} HTTP/2 SETTINGS parameter(s) can not be"
                    + " configured through both named and custom parameters");
        }
        return settings;
    }

    private static void collides(boolean namedFieldSet, String name, List<String> named) {
        if (namedFieldSet) {
            named.add(name);
        }
    }
}
