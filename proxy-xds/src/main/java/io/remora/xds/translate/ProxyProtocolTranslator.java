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
        if (disallowed.size() == 2) {
            // Envoy's Config constructor: a filter that could accept no header at all is refused.
            throw tp.field("disallowed_versions").error(
                    "Proxy Protocol filter is misconfigured: all proxy protocol versions are disallowed.");
        }
        java.util.List<ProxyProtocolConfig.TlvRule> rules = new java.util.ArrayList<>();
        for (int i = 0; i < p.getRulesCount(); i++) {
            var rule = p.getRules(i);
            FieldPath rp = tp.field("rules").index(i);
            if (rule.getTlvType() > 255) {
                throw rp.field("tlv_type").error("must be below 256, got " + rule.getTlvType());
            }
            if (!rule.hasOnTlvPresent() || rule.getOnTlvPresent().getKey().isEmpty()) {
                throw rp.field("on_tlv_present").field("key").error("missing required field");
            }
            String ns = rule.getOnTlvPresent().getMetadataNamespace();
            rules.add(new ProxyProtocolConfig.TlvRule(rule.getTlvType(),
                    ns.isEmpty() ? "envoy.filters.listener.proxy_protocol" : ns, rule.getOnTlvPresent().getKey()));
        }
        PassThroughTlvs pass = p.hasPassThroughTlvs()
                ? passThroughTlvs(p.getPassThroughTlvs(), tp.field("pass_through_tlvs")) : PassThroughTlvs.NONE;
        return new ProxyProtocolConfig(p.getAllowRequestsWithoutProxyProtocol(), disallowed, rules, pass.all(),
                pass.types(), p.getStatPrefix());
    }

    /** {@code config.core.v3.ProxyProtocolPassThroughTLVs}: INCLUDE_ALL (the default) or the listed types. */
    record PassThroughTlvs(boolean all, Set<Integer> types) {
        static final PassThroughTlvs NONE = new PassThroughTlvs(false, Set.of());
    }

    static PassThroughTlvs passThroughTlvs(io.envoyproxy.envoy.config.core.v3.ProxyProtocolPassThroughTLVs t,
                                           FieldPath path) {
        Set<Integer> types = new HashSet<>();
        for (int i = 0; i < t.getTlvTypeCount(); i++) {
            int type = t.getTlvType(i);
            if (type > 255) {
                throw path.field("tlv_type").index(i).error("must be below 256, got " + type);
            }
            types.add(type);
        }
        return switch (t.getMatchType()) {
            case INCLUDE_ALL -> new PassThroughTlvs(true, Set.of());
            case INCLUDE -> new PassThroughTlvs(false, types);
            default -> throw path.field("match_type").error("unknown match type " + t.getMatchTypeValue());
        };
    }
}
