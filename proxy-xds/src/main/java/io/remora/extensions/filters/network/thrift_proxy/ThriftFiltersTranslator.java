package io.remora.extensions.filters.network.thrift_proxy;

import io.envoyproxy.envoy.extensions.filters.network.thrift_proxy.filters.header_to_metadata.v3.HeaderToMetadata;
import io.envoyproxy.envoy.extensions.filters.network.thrift_proxy.filters.payload_to_metadata.v3.PayloadToMetadata;
import io.envoyproxy.envoy.extensions.filters.network.thrift_proxy.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.thrift_proxy.v3.ThriftFilter;
import io.remora.extensions.filters.http.header_to_metadata.HeaderToMetadataConfig;
import io.remora.extensions.filters.http.header_to_metadata.HeaderToMetadataExtension;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.Protos;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code thrift_filters}: header_to_metadata and payload_to_metadata before the router, which must
 * be last (and is the default when none is listed); any other filter is refused at its entry.
 */
final class ThriftFiltersTranslator {

    static final String ROUTER = "envoy.filters.thrift.router";
    static final String ROUTER_TYPE = "envoy.extensions.filters.network.thrift_proxy.router.v3.Router";

    private ThriftFiltersTranslator() {
    }

    static void translate(List<ThriftFilter> filters, FieldPath path, ThriftProxyConfig.Builder b,
                          io.remora.xds.translate.TranslationContext ctx) {
        List<ThriftRequestFilter> out = new ArrayList<>();
        for (int i = 0; i < filters.size(); i++) {
            ThriftFilter f = filters.get(i);
            FieldPath fp = path.index(i);
            String type = f.hasTypedConfig() ? Protos.typeName(f.getTypedConfig()) : "";
            FieldPath tp = fp.field("typed_config");
            if (f.getName().equals(ROUTER) || type.equals(ROUTER_TYPE)) {
                if (i != filters.size() - 1) {
                    throw fp.error("the thrift router filter must be the last thrift filter");
                }
                if (type.equals(ROUTER_TYPE)) {
                    Router r = Protos.unpack(f.getTypedConfig(), Router.class, tp);
                    b.closeDownstreamOnUpstreamError(Protos.bool(r.hasCloseDownstreamOnUpstreamError(),
                            r.getCloseDownstreamOnUpstreamError(), true));
                }
            } else if (type.equals(ThriftHeaderToMetadata.TYPE)) {
                out.add(headerToMetadata(Protos.unpack(f.getTypedConfig(), HeaderToMetadata.class, tp), tp));
            } else if (type.equals(ThriftPayloadToMetadata.TYPE)) {
                out.add(payloadToMetadata(Protos.unpack(f.getTypedConfig(), PayloadToMetadata.class, tp), tp));
            } else if (f.getName().equals(ThriftHeaderToMetadata.NAME) || f.getName().equals(ThriftPayloadToMetadata.NAME)) {
                throw tp.error("missing required field");
            } else {
                throw fp.error("thrift filter " + (f.getName().isEmpty() ? type : f.getName()) + " is not supported");
            }
        }
        if (!filters.isEmpty() && !isRouter(filters.get(filters.size() - 1))) {
            // Envoy builds the chain as listed: without its router, a request passes the filters and
            // reaches no upstream (and gets no reply).
            ctx.warnOnce("thrift:no_router:" + path, path + ": no envoy.filters.thrift.router among the thrift"
                    + " filters: requests are not forwarded (as in Envoy)");
            b.routed(false);
        }
        b.filters(out);
    }

    private static boolean isRouter(ThriftFilter f) {
        return f.getName().equals(ROUTER)
                || (f.hasTypedConfig() && Protos.typeName(f.getTypedConfig()).equals(ROUTER_TYPE));
    }

    /** {@code request_rules}, at least one, each translated at its own path. */
    private static <P, R> List<R> rules(List<P> protos, FieldPath path, java.util.function.BiFunction<P, FieldPath, R> one) {
        if (protos.isEmpty()) {
            throw path.error("at least one rule is required");
        }
        List<R> out = new ArrayList<>(protos.size());
        for (int i = 0; i < protos.size(); i++) {
            out.add(one.apply(protos.get(i), path.index(i)));
        }
        return out;
    }

    private static ThriftHeaderToMetadata headerToMetadata(HeaderToMetadata c, FieldPath path) {
        return new ThriftHeaderToMetadata(rules(c.getRequestRulesList(), path.field("request_rules"),
                ThriftFiltersTranslator::headerRule));
    }

    private static ThriftHeaderToMetadata.Rule headerRule(HeaderToMetadata.Rule r, FieldPath p) {
        if (r.getHeader().isEmpty()) {
            throw p.field("header").error("missing required field");
        }
        if (!r.hasOnPresent() && !r.hasOnMissing()) {
            throw p.error("one of on_present, on_missing is required");
        }
        return new ThriftHeaderToMetadata.Rule(r.getHeader().toLowerCase(Locale.ROOT),
                r.hasOnPresent() ? keyValue(r.getOnPresent(), p.field("on_present"), false) : null,
                r.hasOnMissing() ? keyValue(r.getOnMissing(), p.field("on_missing"), true) : null,
                r.getRemove());
    }

    private static HeaderToMetadataConfig.KeyValue keyValue(HeaderToMetadata.KeyValuePair kv, FieldPath path,
                                                            boolean missing) {
        HeaderToMetadataConfig.ValueType type = switch (kv.getType()) {
            case NUMBER -> HeaderToMetadataConfig.ValueType.NUMBER;
            case PROTOBUF_VALUE -> HeaderToMetadataConfig.ValueType.PROTOBUF_VALUE;
            default -> HeaderToMetadataConfig.ValueType.STRING;
        };
        return HeaderToMetadataExtension.keyValue(kv.getMetadataNamespace(), kv.getKey(), kv.getValue(),
                kv.hasRegexValueRewrite() ? kv.getRegexValueRewrite() : null, type,
                kv.getEncode() == HeaderToMetadata.ValueEncode.BASE64, path, missing ? "on_missing" : null,
                ThriftHeaderToMetadata.NAME);
    }

    private static ThriftPayloadToMetadata payloadToMetadata(PayloadToMetadata c, FieldPath path) {
        return new ThriftPayloadToMetadata(rules(c.getRequestRulesList(), path.field("request_rules"),
                ThriftFiltersTranslator::payloadRule));
    }

    private static ThriftPayloadToMetadata.Rule payloadRule(PayloadToMetadata.Rule r, FieldPath p) {
        String method = null;
        String service = null;
        switch (r.getMatchSpecifierCase()) {
            case METHOD_NAME -> method = r.getMethodName();
            case SERVICE_NAME -> service = r.getServiceName().isEmpty() || r.getServiceName().endsWith(":")
                    ? r.getServiceName() : r.getServiceName() + ":";
            default -> throw p.error("one of method_name or service_name is required");
        }
        if (!r.hasFieldSelector()) {
            throw p.field("field_selector").error("missing required field");
        }
        if (!r.hasOnPresent() && !r.hasOnMissing()) {
            throw p.error("one of on_present, on_missing is required");
        }
        List<Short> ids = new ArrayList<>();
        FieldPath sp = p.field("field_selector");
        var sel = r.getFieldSelector();
        while (true) {
            if (sel.getId() < Short.MIN_VALUE || sel.getId() > Short.MAX_VALUE) {
                throw sp.field("id").error("must be a thrift field id (-32768..32767)");
            }
            ids.add((short) sel.getId());
            if (!sel.hasChild()) {
                break;
            }
            sel = sel.getChild();
            sp = sp.field("child");
        }
        short[] path2 = new short[ids.size()];
        for (int k = 0; k < path2.length; k++) {
            path2[k] = ids.get(k);
        }
        return new ThriftPayloadToMetadata.Rule(method, service, path2,
                r.hasOnPresent() ? keyValue(r.getOnPresent(), p.field("on_present"), false) : null,
                r.hasOnMissing() ? keyValue(r.getOnMissing(), p.field("on_missing"), true) : null);
    }

    private static HeaderToMetadataConfig.KeyValue keyValue(PayloadToMetadata.KeyValuePair kv, FieldPath path,
                                                            boolean missing) {
        HeaderToMetadataConfig.ValueType type = kv.getType() == PayloadToMetadata.ValueType.NUMBER
                ? HeaderToMetadataConfig.ValueType.NUMBER : HeaderToMetadataConfig.ValueType.STRING;
        return HeaderToMetadataExtension.keyValue(kv.getMetadataNamespace(), kv.getKey(), kv.getValue(),
                kv.hasRegexValueRewrite() ? kv.getRegexValueRewrite() : null, type, false, path,
                missing ? "on_missing" : null, ThriftPayloadToMetadata.NAME);
    }
}
