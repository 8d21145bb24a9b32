package io.remora.extensions.filters.http.thrift_to_metadata;

import io.envoyproxy.envoy.extensions.filters.http.thrift_to_metadata.v3.ThriftToMetadata;
import io.envoyproxy.envoy.extensions.filters.network.thrift_proxy.v3.ProtocolType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.extensions.HttpFilterExtension;
import io.remora.extensions.filters.common.FilterProtos;
import io.remora.extensions.filters.network.thrift_proxy.ThriftProxyTranslator;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** {@code envoy.filters.http.thrift_to_metadata} ({@code thrift_to_metadata.v3.ThriftToMetadata}). */
public final class ThriftToMetadataExtension implements HttpFilterExtension<ThriftToMetadataConfig> {

    private static final String TYPE = "envoy.extensions.filters.http.thrift_to_metadata.v3.ThriftToMetadata";
    /** Envoy's default when {@code allow_content_types} is empty. */
    private static final String THRIFT_CONTENT_TYPE = "application/x-thrift";

    @Override
    public List<String> names() {
        return List.of(ThriftToMetadataConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of(TYPE);
    }

    @Override
    public ThriftToMetadataConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field");
        }
        ThriftToMetadata c = config.unpack(ThriftToMetadata.class, path);
        if (c.getRequestRulesCount() == 0 && c.getResponseRulesCount() == 0) {
            throw path.error("at least one of request_rules, response_rules is required");
        }
        if (c.getProtocol() == ProtocolType.TWITTER) {
            throw path.field("protocol").error("thrift_to_metadata filter: Protocol TWITTER is not supported");
        }
        Set<String> types = c.getAllowContentTypesCount() == 0 ? Set.of(THRIFT_CONTENT_TYPE)
                : Set.copyOf(c.getAllowContentTypesList());
        return new ThriftToMetadataConfig(rules(c.getRequestRulesList(), path.field("request_rules")),
                rules(c.getResponseRulesList(), path.field("response_rules")),
                ThriftProxyTranslator.transport(c.getTransport(), path.field("transport")),
                ThriftProxyTranslator.protocol(c.getProtocol(), path.field("protocol")), types,
                c.getAllowEmptyContentType());
    }

    private static List<ThriftToMetadataConfig.Rule> rules(List<io.envoyproxy.envoy.extensions.filters.http.thrift_to_metadata.v3.Rule> in, FieldPath path) {
        List<ThriftToMetadataConfig.Rule> out = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            io.envoyproxy.envoy.extensions.filters.http.thrift_to_metadata.v3.Rule r = in.get(i);
            FieldPath p = path.index(i);
            if (r.hasFieldSelector()) {
                // Envoy's field_selector is not implemented (it never sets metadata): refused rather than ignored.
                throw p.field("field_selector").error("thrift_to_metadata field_selector is not supported");
            }
            if (!r.hasOnPresent() && !r.hasOnMissing()) {
                throw p.error("thrift to metadata filter: neither `on_present` nor `on_missing` set");
            }
            if (r.hasOnMissing() && !r.getOnMissing().hasValue()) {
                throw p.field("on_missing").field("value")
                        .error("thrift to metadata filter: cannot specify on_missing rule with empty value");
            }
            ThriftToMetadataConfig.Field field = switch (r.getField()) {
                case METHOD_NAME -> ThriftToMetadataConfig.Field.METHOD_NAME;
                case PROTOCOL -> ThriftToMetadataConfig.Field.PROTOCOL;
                case TRANSPORT -> ThriftToMetadataConfig.Field.TRANSPORT;
                case HEADER_FLAGS -> ThriftToMetadataConfig.Field.HEADER_FLAGS;
                case SEQUENCE_ID -> ThriftToMetadataConfig.Field.SEQUENCE_ID;
                case MESSAGE_TYPE -> ThriftToMetadataConfig.Field.MESSAGE_TYPE;
                case REPLY_TYPE -> ThriftToMetadataConfig.Field.REPLY_TYPE;
                default -> throw p.field("field").error("unknown field " + r.getField());
            };
            out.add(new ThriftToMetadataConfig.Rule(field,
                    r.hasOnPresent() ? keyValue(r.getOnPresent(), p.field("on_present")) : null,
                    r.hasOnMissing() ? keyValue(r.getOnMissing(), p.field("on_missing")) : null));
        }
        return out;
    }

    private static ThriftToMetadataConfig.KeyValue keyValue(io.envoyproxy.envoy.extensions.filters.http.thrift_to_metadata.v3.KeyValuePair kv, FieldPath path) {
        if (kv.getKey().isEmpty()) {
            throw path.field("key").error("missing required field");
        }
        String ns = kv.getMetadataNamespace().isEmpty() ? ThriftToMetadataConfig.NAME : kv.getMetadataNamespace();
        return new ThriftToMetadataConfig.KeyValue(ns, kv.getKey(), kv.hasValue() ? FilterProtos.plain(kv.getValue()) : null);
    }

    @Override
    public HttpFilterFactory.Provider<ThriftToMetadataConfig> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            public Class<ThriftToMetadataConfig> configType() {
                return ThriftToMetadataConfig.class;
            }

            @Override
            public HttpFilterFactory create(ThriftToMetadataConfig config, ServerContext context) {
                MeterRegistry r = context.stats().meterRegistry();
                Counter[] rq = counters(r, "rq");
                Counter[] resp = counters(r, "resp");
                return () -> new ThriftToMetadataFilter(config, rq, resp);
            }
        };
    }

    /** Envoy's counters are in the root scope: {@code thrift_to_metadata.rq.success}. */
    private static Counter[] counters(MeterRegistry r, String direction) {
        Counter[] c = new Counter[ThriftToMetadataFilter.STATS.length];
        for (int i = 0; i < c.length; i++) {
            c[i] = Counter.builder("envoy_thrift_to_metadata_" + direction + "_" + ThriftToMetadataFilter.STATS[i]).register(r);
        }
        return c;
    }
}
