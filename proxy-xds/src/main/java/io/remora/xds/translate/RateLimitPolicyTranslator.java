package io.remora.xds.translate;

import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.route.v3.RateLimit;
import io.envoyproxy.envoy.type.metadata.v3.MetadataKey;
import io.remora.config.MatchInput;
import io.remora.config.RateLimitPolicy;
import io.remora.extensions.rate_limit_descriptors.expr.ExprDescriptor;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * {@code config.route.v3.RateLimit}: the descriptor-making policies of routes, virtual hosts and
 * rate limit filters ({@code rate_limits}).
 */
public final class RateLimitPolicyTranslator {

    /**
     * The HTTP matching inputs a descriptor extension may be: those a stream's matching data
     * reads. Response and trailer inputs are admitted as Envoy does; they have no value when
     * descriptors are made, so their descriptor is never produced. Refused: the dynamic metadata
     * input (Envoy's yields no string) and the source type, transport and application protocol
     * inputs (a stream does not read them).
     */
    private static final UnifiedMatcherTranslator<Void> DESCRIPTOR_INPUTS = new UnifiedMatcherTranslator<>(
            EnumSet.of(MatchInput.Kind.REQUEST_HEADER, MatchInput.Kind.REQUEST_QUERY_PARAM,
                    MatchInput.Kind.REQUEST_TRAILER, MatchInput.Kind.RESPONSE_HEADER, MatchInput.Kind.RESPONSE_TRAILER,
                    MatchInput.Kind.RESPONSE_STATUS_CODE, MatchInput.Kind.RESPONSE_STATUS_CODE_CLASS,
                    MatchInput.Kind.DESTINATION_IP, MatchInput.Kind.DESTINATION_PORT, MatchInput.Kind.SOURCE_IP,
                    MatchInput.Kind.SOURCE_PORT, MatchInput.Kind.DIRECT_SOURCE_IP, MatchInput.Kind.SERVER_NAME,
                    MatchInput.Kind.URI_SAN, MatchInput.Kind.DNS_SAN, MatchInput.Kind.SUBJECT,
                    MatchInput.Kind.FILTER_STATE),
            type -> "rate limit descriptor extension '" + type + "' is not supported: neither "
                    + ExprDescriptor.TYPE + " nor an HTTP matching input Remora reads here",
            (action, path) -> null);

    private RateLimitPolicyTranslator() {
    }

    /** {@code rate_limits} of a route, a virtual host or a rate limit filter. */
    public static List<RateLimitPolicy> policies(List<RateLimit> in, FieldPath path, TranslationContext ctx) {
        List<RateLimitPolicy> out = new ArrayList<>(in.size());
        for (int i = 0; i < in.size(); i++) {
            out.add(policy(in.get(i), path.index(i), ctx));
        }
        return List.copyOf(out);
    }

    static RateLimitPolicy policy(RateLimit r, FieldPath path, TranslationContext ctx) {
        if (r.getActionsCount() == 0) {
            throw path.field("actions").error("at least one action is required");
        }
        int stage = r.hasStage() ? r.getStage().getValue() : 0;
        if (stage > 10) {
            throw path.field("stage").error("must be at most 10, got " + stage);
        }
        RateLimitPolicy.MetadataRef limitOverride = null;
        if (r.hasLimit()) {
            FieldPath lp = path.field("limit");
            if (!r.getLimit().hasDynamicMetadata()) {
                throw lp.error("needs dynamic_metadata");
            }
            FieldPath dp = lp.field("dynamic_metadata");
            if (!r.getLimit().getDynamicMetadata().hasMetadataKey()) {
                throw dp.field("metadata_key").error("missing required field");
            }
            limitOverride = metadataRef(r.getLimit().getDynamicMetadata().getMetadataKey(), dp.field("metadata_key"));
        }
        List<RateLimitPolicy.Action> actions = new ArrayList<>();
        for (int i = 0; i < r.getActionsCount(); i++) {
            actions.add(action(r.getActions(i), path.field("actions").index(i), ctx));
        }
        long hitsAddend = 0;
        if (r.hasHitsAddend()) {
            FieldPath hp = path.field("hits_addend");
            var h = r.getHitsAddend();
            if (!h.getFormat().isEmpty()) {
                // Counting one hit where the format asked for more would under-enforce the limit.
                throw hp.field("format").error("substitution formats are not supported by Remora; use number");
            }
            if (h.hasNumber() && h.getNumber().getValue() > 1_000_000_000L) {
                throw hp.field("number").error("must be at most 1000000000");
            }
            hitsAddend = h.getNumber().getValue();
        }
        return new RateLimitPolicy(stage, r.getDisableKey(), actions, hitsAddend, r.getApplyOnStreamDone(),
                limitOverride);
    }

    private static RateLimitPolicy.Action action(RateLimit.Action a, FieldPath path, TranslationContext ctx) {
        switch (a.getActionSpecifierCase()) {
            case REQUEST_HEADERS -> {
                var rh = a.getRequestHeaders();
                if (rh.getHeaderName().isEmpty()) {
                    throw path.field("request_headers").field("header_name").error("missing required field");
                }
                if (rh.getDescriptorKey().isEmpty()) {
                    throw path.field("request_headers").field("descriptor_key").error("missing required field");
                }
                return new RateLimitPolicy.RequestHeaders(rh.getHeaderName(), rh.getDescriptorKey(), rh.getSkipIfAbsent());
            }
            case REMOTE_ADDRESS -> {
                return new RateLimitPolicy.RemoteAddress();
            }
            case MASKED_REMOTE_ADDRESS -> {
                var m = a.getMaskedRemoteAddress();
                int v4 = m.hasV4PrefixMaskLen() ? m.getV4PrefixMaskLen().getValue() : 32;
                int v6 = m.hasV6PrefixMaskLen() ? m.getV6PrefixMaskLen().getValue() : 128;
                if (v4 < 0 || v4 > 32) {
                    throw path.field("masked_remote_address").field("v4_prefix_mask_len").error("must be at most 32");
                }
                if (v6 < 0 || v6 > 128) {
                    throw path.field("masked_remote_address").field("v6_prefix_mask_len").error("must be at most 128");
                }
                return new RateLimitPolicy.MaskedRemoteAddress(v4, v6);
            }
            case GENERIC_KEY -> {
                var g = a.getGenericKey();
                if (g.getDescriptorValue().isEmpty()) {
                    throw path.field("generic_key").field("descriptor_value").error("missing required field");
                }
                return new RateLimitPolicy.GenericKey(
                        g.getDescriptorKey().isEmpty() ? "generic_key" : g.getDescriptorKey(), g.getDescriptorValue());
            }
            case HEADER_VALUE_MATCH -> {
                var h = a.getHeaderValueMatch();
                FieldPath hp = path.field("header_value_match");
                if (h.getDescriptorValue().isEmpty()) {
                    throw hp.field("descriptor_value").error("missing required field");
                }
                if (h.getHeadersCount() == 0) {
                    throw hp.field("headers").error("at least one header matcher is required");
                }
                return new RateLimitPolicy.HeaderValueMatch(
                        h.getDescriptorKey().isEmpty() ? "header_match" : h.getDescriptorKey(), h.getDescriptorValue(),
                        !h.hasExpectMatch() || h.getExpectMatch().getValue(),
                        HeaderTranslator.matchers(h.getHeadersList(), hp.field("headers")));
            }
            case QUERY_PARAMETER_VALUE_MATCH -> {
                var q = a.getQueryParameterValueMatch();
                FieldPath qp = path.field("query_parameter_value_match");
                if (q.getDescriptorValue().isEmpty()) {
                    throw qp.field("descriptor_value").error("missing required field");
                }
                if (q.getQueryParametersCount() == 0) {
                    throw qp.field("query_parameters").error("at least one query parameter matcher is required");
                }
                return new RateLimitPolicy.QueryParameterValueMatch(
                        q.getDescriptorKey().isEmpty() ? "query_match" : q.getDescriptorKey(), q.getDescriptorValue(),
                        !q.hasExpectMatch() || q.getExpectMatch().getValue(),
                        HeaderTranslator.queryParameters(q.getQueryParametersList(), qp.field("query_parameters")));
            }
            case DESTINATION_CLUSTER -> {
                return new RateLimitPolicy.DestinationCluster();
            }
            case SOURCE_CLUSTER -> {
                return new RateLimitPolicy.SourceCluster();
            }
            case METADATA -> {
                var m = a.getMetadata();
                FieldPath mp = path.field("metadata");
                io.remora.config.MetadataSource source = switch (m.getSource()) {
                    case DYNAMIC -> io.remora.config.MetadataSource.DYNAMIC;
                    case ROUTE_ENTRY -> io.remora.config.MetadataSource.ROUTE;
                    case UNRECOGNIZED -> throw mp.field("source").error("unknown source " + m.getSourceValue());
                };
                return metadata(m.getDescriptorKey(), source, m.getMetadataKey(), m.getDefaultValue(),
                        m.getSkipIfAbsent(), mp);
            }
            case DYNAMIC_METADATA -> {
                var m = a.getDynamicMetadata();
                return metadata(m.getDescriptorKey(), io.remora.config.MetadataSource.DYNAMIC, m.getMetadataKey(),
                        m.getDefaultValue(), false, path.field("dynamic_metadata"));
            }
            case QUERY_PARAMETERS -> {
                var q = a.getQueryParameters();
                if (q.getQueryParameterName().isEmpty()) {
                    throw path.field("query_parameters").field("query_parameter_name").error("missing required field");
                }
                if (q.getDescriptorKey().isEmpty()) {
                    throw path.field("query_parameters").field("descriptor_key").error("missing required field");
                }
                return new RateLimitPolicy.QueryParameters(q.getQueryParameterName(), q.getDescriptorKey(),
                        q.getSkipIfAbsent());
            }
            case EXTENSION -> {
                return extension(a.getExtension(), path.field("extension"), ctx);
            }
            case ACTIONSPECIFIER_NOT_SET -> throw path.error("an action is required");
            default -> throw path.error("rate limit action " + a.getActionSpecifierCase().name().toLowerCase()
                    + " is not supported by Remora");
        }
    }

    /**
     * As Envoy: a descriptor extension when one has the type (the CEL expression's), else an HTTP
     * matching input under the extension's name; anything else is refused, since it would decide
     * what is limited.
     */
    private static RateLimitPolicy.Action extension(TypedExtensionConfig e, FieldPath path, TranslationContext ctx) {
        if (e.hasTypedConfig() && ExprDescriptor.TYPE.equals(Protos.typeName(e.getTypedConfig()))) {
            return ExprDescriptor.translate(e, path, ctx);
        }
        if (e.getName().isEmpty()) {
            throw path.field("name").error("must not be empty");
        }
        return new RateLimitPolicy.MatchInputValue(e.getName(),
                DESCRIPTOR_INPUTS.dataInput(e.hasTypedConfig() ? e.getTypedConfig() : null, path));
    }

    private static RateLimitPolicy.Action metadata(String descriptorKey, io.remora.config.MetadataSource source,
                                                   MetadataKey key, String defaultValue, boolean skipIfAbsent,
                                                   FieldPath path) {
        if (descriptorKey.isEmpty()) {
            throw path.field("descriptor_key").error("missing required field");
        }
        RateLimitPolicy.MetadataRef ref = metadataRef(key, path.field("metadata_key"));
        return new RateLimitPolicy.MetadataValue(descriptorKey, source, ref.namespace(), ref.path(), defaultValue,
                skipIfAbsent);
    }

    private static RateLimitPolicy.MetadataRef metadataRef(MetadataKey key, FieldPath path) {
        if (key.getKey().isEmpty()) {
            throw path.field("key").error("missing required field");
        }
        if (key.getPathCount() == 0) {
            throw path.field("path").error("at least one path segment is required");
        }
        List<String> segments = new ArrayList<>(key.getPathCount());
        for (int i = 0; i < key.getPathCount(); i++) {
            segments.add(key.getPath(i).getKey());
        }
        return new RateLimitPolicy.MetadataRef(key.getKey(), segments);
    }
}
