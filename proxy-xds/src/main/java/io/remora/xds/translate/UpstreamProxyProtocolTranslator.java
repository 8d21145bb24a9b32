package io.remora.xds.translate;

import io.envoyproxy.envoy.config.core.v3.ProxyProtocolConfig;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.proxy_protocol.v3.ProxyProtocolUpstreamTransport;
import io.remora.config.ProxyProtocolTlv;
import io.remora.config.UpstreamProxyProtocolConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code envoy.transport_sockets.upstream_proxy_protocol} transport socket of a cluster: the
 * PROXY protocol settings ({@code config}: version, {@code pass_through_tlvs}, {@code added_tlvs})
 * around an inner {@code transport_socket} (raw_buffer or tls), which is translated as usual.
 */
final class UpstreamProxyProtocolTranslator {
    private static final String TYPE =
            "envoy.extensions.transport_sockets.proxy_protocol.v3.ProxyProtocolUpstreamTransport";

    /** The socket to translate next, where it sits, and the PROXY settings (null: not this socket). */
    record Inner(TransportSocket socket, FieldPath path, UpstreamProxyProtocolConfig config) {
    }

    /** A cluster's (or a transport socket match's) upstream socket, all wrappers taken apart. */
    record UpstreamSocket(io.remora.config.TransportSocketConfig tls,
                          List<io.remora.config.PassthroughMetadata> passthrough, UpstreamProxyProtocolConfig proxy) {
    }

    private UpstreamProxyProtocolTranslator() {
    }

    /**
     * {@code ts} with its wrappers: upstream_proxy_protocol and internal_upstream, either around
     * the other, around raw_buffer or tls.
     */
    static UpstreamSocket upstream(TransportSocket ts, FieldPath path, TranslationContext ctx) {
        Inner outer = unwrap(ts, path, ctx);
        var internal = InternalUpstreamTranslator.unwrap(outer.socket(), outer.path());
        Inner inner = outer.config() == null ? unwrap(internal.socket(), internal.path(), ctx)
                : new Inner(internal.socket(), internal.path(), outer.config());
        return new UpstreamSocket(TransportSocketTranslator.upstream(inner.socket(), inner.path()),
                internal.passthrough(), inner.config());
    }

    static Inner unwrap(TransportSocket ts, FieldPath path, TranslationContext ctx) {
        if (!ts.hasTypedConfig() || !Protos.typeName(ts.getTypedConfig()).equals(TYPE)) {
            return new Inner(ts, path, null);
        }
        FieldPath tp = path.field("typed_config");
        ProxyProtocolUpstreamTransport t = Protos.unpack(ts.getTypedConfig(), ProxyProtocolUpstreamTransport.class, tp);
        if (!t.hasTransportSocket()) {
            throw tp.field("transport_socket").error("missing required field");
        }
        if (t.getAllowUnspecifiedAddress() || t.getTlvAsPoolKey()) {
            // Both are not implemented in Envoy either (hidden from its docs).
            ctx.warnOnce("upstream_proxy_protocol.unimplemented", "upstream_proxy_protocol "
                    + (t.getAllowUnspecifiedAddress() ? "allow_unspecified_address" : "tlv_as_pool_key")
                    + " is ignored (as in Envoy, which does not implement it), first at " + tp);
        }
        UpstreamProxyProtocolConfig config = config(t.getConfig(), tp.field("config"), ctx);
        return new Inner(t.getTransportSocket(), tp.field("transport_socket"), config);
    }

    /** {@code config.core.v3.TlvEntry} list items (added_tlvs, tcp_proxy's proxy_protocol_tlvs). */
    static List<ProxyProtocolTlv> tlvs(List<io.envoyproxy.envoy.config.core.v3.TlvEntry> entries, FieldPath path) {
        List<ProxyProtocolTlv> out = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            var e = entries.get(i);
            FieldPath ep = path.index(i);
            if (e.getType() > 255) {
                throw ep.field("type").error("must be below 256, got " + e.getType());
            }
            if (e.getValue().isEmpty()) {
                throw ep.field("value").error("must be at least 1 byte");
            }
            if (e.getValue().size() > 0xFFFF) {
                throw ep.field("value").error("must be at most 65535 bytes");
            }
            out.add(new ProxyProtocolTlv(e.getType(), e.getValue().toByteArray()));
        }
        return out;
    }

    private static UpstreamProxyProtocolConfig config(ProxyProtocolConfig c, FieldPath path, TranslationContext ctx) {
        int version = switch (c.getVersion()) {
            case V1 -> 1;
            case V2 -> 2;
            default -> throw path.field("version").error("unknown PROXY protocol version " + c.getVersionValue());
        };
        ProxyProtocolTranslator.PassThroughTlvs pass = c.hasPassThroughTlvs()
                ? ProxyProtocolTranslator.passThroughTlvs(c.getPassThroughTlvs(), path.field("pass_through_tlvs"))
                : ProxyProtocolTranslator.PassThroughTlvs.NONE;
        List<ProxyProtocolTlv> added = tlvs(c.getAddedTlvsList(), path.field("added_tlvs"));
        if (version == 1 && (c.hasPassThroughTlvs() || !added.isEmpty())) {
            ctx.warnOnce("upstream_proxy_protocol.v1_tlvs", "upstream_proxy_protocol TLVs are sent in version 2"
                    + " headers only; ignored for version 1 at " + path);
        }
        return new UpstreamProxyProtocolConfig(version, pass.all(), pass.types(), added);
    }
}
