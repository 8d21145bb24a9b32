package io.remora.extensions.transport_sockets.tap;

import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.common.tap.v3.CommonExtensionConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tap.v3.Tap;
import io.remora.extensions.filters.common.tap.TapConfigTranslator;
import io.remora.extensions.filters.common.tap.TapSpec;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.Protos;
import io.remora.xds.translate.TranslationContext;

/**
 * {@code envoy.transport_sockets.tap} around a filter chain's transport socket: the tap config
 * ({@code common_config}, {@code socket_tap_config}) and the socket it wraps, which is then
 * translated as usual (raw_buffer or tls).
 */
public final class TapSocketTranslator {

    static final String TYPE = "envoy.extensions.transport_sockets.tap.v3.Tap";

    /** The wrapped socket, where it sits, and the tap around it (null: {@code ts} is no tap). */
    public record Unwrapped(TransportSocket socket, FieldPath path, TapSocketConfig tap) {
    }

    private TapSocketTranslator() {
    }

    public static Unwrapped unwrap(TransportSocket ts, FieldPath path, TranslationContext ctx) {
        if (!ts.hasTypedConfig() || !Protos.typeName(ts.getTypedConfig()).equals(TYPE)) {
            return new Unwrapped(ts, path, null);
        }
        FieldPath tp = path.field("typed_config");
        Tap tap = Protos.unpack(ts.getTypedConfig(), Tap.class, tp);
        if (!tap.hasCommonConfig()) {
            throw tp.field("common_config").error("value is required");
        }
        if (!tap.hasTransportSocket()) {
            throw tp.field("transport_socket").error("value is required");
        }
        CommonExtensionConfig common = tap.getCommonConfig();
        FieldPath cp = tp.field("common_config");
        boolean perEvent = tap.getSocketTapConfig().getSetConnectionPerEvent();
        TapSocketConfig config = switch (common.getConfigTypeCase()) {
            case ADMIN_CONFIG -> {
                String id = common.getAdminConfig().getConfigId();
                if (id.isEmpty()) {
                    throw cp.field("admin_config").field("config_id").error("value length must be at least 1 characters");
                }
                yield new TapSocketConfig(id, null, perEvent);
            }
            case STATIC_CONFIG -> {
                FieldPath sp = cp.field("static_config");
                TapSpec spec = TapConfigTranslator.translate(common.getStaticConfig(), false, sp, ctx);
                if (!TransportTap.matches(spec.match())) {
                    ctx.warnOnce("tap.socket_never_matches", sp.field("match") + ": never matches a connection"
                            + " (a transport socket shows its matcher no HTTP data, as in Envoy); nothing is tapped");
                }
                yield new TapSocketConfig(null, spec, perEvent);
            }
            default -> throw cp.error("admin_config or static_config is required");
        };
        return new Unwrapped(tap.getTransportSocket(), tp.field("transport_socket"), config);
    }
}
