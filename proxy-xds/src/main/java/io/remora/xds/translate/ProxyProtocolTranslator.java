package io.remora.xds.translate;

import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol;
import io.remora.config.ProxyProtocolConfig;

import java.util.HashSet;
import java.util.Set;

/** The {@code envoy.filters.listener.proxy_protocol} listener filter. */
final class ProxyProtocolTranslator {

    private static final String TYPE = "envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol";

    private ProxyProtocolTranslator() {
    }

    /** The filter's config when {@code f} is proxy_protocol, else null. */
    static ProxyProtocolConfig translate(ListenerFilter f, FieldPath path, TranslationContext ctx) {
        boolean typed = f.hasTypedConfig() && Protos.typeName(f.getTypedConfig()).equals(TYPE);
        if (!typed && !(!f.hasTypedConfig() && (f.getName().equals("envoy.filters.listener.proxy_protocol")
                || f.getName().equals("envoy.listener.proxy_protocol")))) {
            return null;
        }
        FieldPath tp = path.field("typed_config");
        ProxyProtocol p = typed ? Protos.unpack(f.getTypedConfig(), ProxyProtocol.class, tp)
                : ProxyProtocol.getDefaultInstance();
        Set<Integer> disallowed = new HashSet<>();
        for (int i = 0; i < p.getDisallowedVersionsCount(); i++) {
            switch (p.getDisallowedVersions(i)) {
                case V1 -> disallowed.add(1);
                case V2 -> disallowed.add(2);
                default -> throw tp.field("disallowed_versions").index(i).error("unknown version");
            }
        }
        if (p.getRulesCount() > 0) {
            ctx.warnOnce("proxy_protocol.rules", "proxy_protocol rules are not supported (TLVs do not become"
                    + " dynamic metadata), first at " + tp.field("rules"));
        }
        if (p.hasPassThroughTlvs()) {
            ctx.warnOnce("proxy_protocol.pass_through_tlvs", "proxy_protocol pass_through_tlvs are not supported"
                    + " (TLVs are dropped), first at " + tp.field("pass_through_tlvs"));
        }
        return new ProxyProtocolConfig(p.getAllowRequestsWithoutProxyProtocol(), disallowed);
    }
}
