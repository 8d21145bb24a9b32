package io.remora.xds.translate;

import io.envoyproxy.envoy.config.accesslog.v3.AccessLogFilter;
import io.envoyproxy.envoy.config.accesslog.v3.ComparisonFilter;
import io.envoyproxy.envoy.config.accesslog.v3.GrpcStatusFilter;
import io.remora.extensions.filters.common.FilterProtos;
import io.remora.runtime.FractionalPercent;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code config.accesslog.v3.AccessLogFilter} into {@link io.remora.config.AccessLogFilter}, checked
 * as Envoy checks it. The CEL extension filter is compiled ({@code CelAccessLogFilter}); another
 * extension filter is refused at its {@code typed_config}, as Envoy refuses one it has no factory for.
 */
final class AccessLogFilterTranslator {

    /** Envoy's response flag codes, the ones {@code response_flag_filter} accepts. */
    private static final Set<String> FLAG_CODES = Set.of("LH", "UH", "UT", "LR", "UR", "UF", "UC", "UO", "NR",
            "DI", "FI", "RL", "UAEX", "RLSE", "DC", "URX", "SI", "IH", "DPE", "UMSDR", "RFCF", "NFCF", "DT", "UPE",
            "NC", "OM", "DF", "DO", "DR", "UDO");

    private AccessLogFilterTranslator() {
    }

    static io.remora.config.AccessLogFilter translate(AccessLogFilter f, FieldPath path, TranslationContext ctx) {
        return switch (f.getFilterSpecifierCase()) {
            case STATUS_CODE_FILTER -> new io.remora.config.AccessLogFilter.StatusCode(
                    comparison(f.getStatusCodeFilter().hasComparison(), f.getStatusCodeFilter().getComparison(),
                            path.field("status_code_filter").field("comparison")));
            case DURATION_FILTER -> new io.remora.config.AccessLogFilter.Duration(
                    comparison(f.getDurationFilter().hasComparison(), f.getDurationFilter().getComparison(),
                            path.field("duration_filter").field("comparison")));
            case NOT_HEALTH_CHECK_FILTER -> new io.remora.config.AccessLogFilter.NotHealthCheck();
            case RUNTIME_FILTER -> {
                var r = f.getRuntimeFilter();
                FieldPath rp = path.field("runtime_filter");
                if (r.getRuntimeKey().isEmpty()) {
                    throw rp.field("runtime_key").error("missing required field");
                }
                FractionalPercent percent = r.hasPercentSampled()
                        ? FilterProtos.fraction(r.getPercentSampled(), rp.field("percent_sampled"))
                        : new FractionalPercent(0, FractionalPercent.Denominator.HUNDRED);
                yield new io.remora.config.AccessLogFilter.RuntimeSampled(r.getRuntimeKey(), percent,
                        r.getUseIndependentRandomness());
            }
            case AND_FILTER -> new io.remora.config.AccessLogFilter.And(
                    all(f.getAndFilter().getFiltersList(), path.field("and_filter").field("filters"), ctx));
            case OR_FILTER -> new io.remora.config.AccessLogFilter.Or(
                    all(f.getOrFilter().getFiltersList(), path.field("or_filter").field("filters"), ctx));
            case HEADER_FILTER -> {
                FieldPath hp = path.field("header_filter").field("header");
                if (!f.getHeaderFilter().hasHeader()) {
                    throw hp.error("missing required field");
                }
                yield new io.remora.config.AccessLogFilter.Header(HeaderTranslator.matcher(f.getHeaderFilter().getHeader(), hp));
            }
            case RESPONSE_FLAG_FILTER -> {
                List<String> flags = f.getResponseFlagFilter().getFlagsList();
                for (int i = 0; i < flags.size(); i++) {
                    if (!FLAG_CODES.contains(flags.get(i))) {
                        throw path.field("response_flag_filter").field("flags").index(i)
                                .error("unknown response flag \"" + flags.get(i) + "\"");
                    }
                }
                yield new io.remora.config.AccessLogFilter.ResponseFlags(new HashSet<>(flags));
            }
            case GRPC_STATUS_FILTER -> {
                GrpcStatusFilter g = f.getGrpcStatusFilter();
                Set<Long> statuses = new HashSet<>();
                for (int i = 0; i < g.getStatusesCount(); i++) {
                    if (g.getStatuses(i) == GrpcStatusFilter.Status.UNRECOGNIZED) {
                        throw path.field("grpc_status_filter").field("statuses").index(i)
                                .error("unknown gRPC status " + g.getStatusesValue(i));
                    }
                    statuses.add((long) g.getStatusesValue(i));
                }
                yield new io.remora.config.AccessLogFilter.GrpcStatus(statuses, g.getExclude());
            }
            case LOG_TYPE_FILTER -> {
                Set<io.remora.config.AccessLogType> types = new HashSet<>();
                List<io.envoyproxy.envoy.data.accesslog.v3.AccessLogType> listed = f.getLogTypeFilter().getTypesList();
                for (int i = 0; i < listed.size(); i++) {
                    types.add(logType(listed.get(i), path.field("log_type_filter").field("types").index(i)));
                }
                yield new io.remora.config.AccessLogFilter.LogType(types, f.getLogTypeFilter().getExclude());
            }
            case METADATA_FILTER -> {
                var m = f.getMetadataFilter();
                yield new io.remora.config.AccessLogFilter.Metadata(m.hasMatcher()
                        ? MetadataMatcherTranslator.translate(m.getMatcher(), path.field("metadata_filter").field("matcher"))
                        : null, Protos.bool(m.hasMatchIfKeyNotFound(), m.getMatchIfKeyNotFound(), true));
            }
            case TRACEABLE_FILTER -> new io.remora.config.AccessLogFilter.Traceable();
            case EXTENSION_FILTER -> {
                var ext = f.getExtensionFilter();
                if (ext.hasTypedConfig()
                        && Protos.typeName(ext.getTypedConfig()).equals(io.remora.extensions.cel.CelAccessLogFilter.TYPE)) {
                    yield io.remora.extensions.cel.CelAccessLogFilter.translate(ext.getTypedConfig(),
                            path.field("extension_filter").field("typed_config"), ctx);
                }
                // Envoy finds the filter's factory by its type and fails the config without one; passing
                // every stream instead would log what the filter (a rate limit, ...) was there to drop.
                String type = ext.hasTypedConfig() ? Protos.typeName(ext.getTypedConfig()) : "";
                throw path.field("extension_filter").field("typed_config").error("unsupported access log extension filter '"
                        + ext.getName() + "' (" + (type.isEmpty() ? "no typed_config" : type) + "); supported: "
                        + io.remora.extensions.cel.CelAccessLogFilter.TYPE);
            }
            case FILTERSPECIFIER_NOT_SET -> throw path.error("an access log filter needs one filter kind");
        };
    }

    private static io.remora.config.AccessLogType logType(io.envoyproxy.envoy.data.accesslog.v3.AccessLogType t,
                                                          FieldPath path) {
        for (io.remora.config.AccessLogType known : io.remora.config.AccessLogType.values()) {
            if (t != io.envoyproxy.envoy.data.accesslog.v3.AccessLogType.UNRECOGNIZED && known.envoyName.equals(t.name())) {
                return known;
            }
        }
        throw path.error("unknown access log type " + t.getNumber());
    }

    private static List<io.remora.config.AccessLogFilter> all(List<AccessLogFilter> filters, FieldPath path,
                                                             TranslationContext ctx) {
        if (filters.size() < 2) {
            throw path.error("needs at least 2 filters, got " + filters.size());
        }
        List<io.remora.config.AccessLogFilter> out = new ArrayList<>(filters.size());
        for (int i = 0; i < filters.size(); i++) {
            out.add(translate(filters.get(i), path.index(i), ctx));
        }
        return out;
    }

    private static io.remora.config.AccessLogFilter.Comparison comparison(boolean present, ComparisonFilter c,
                                                                          FieldPath path) {
        if (!present) {
            throw path.error("missing required field");
        }
        if (!c.hasValue()) {
            throw path.field("value").error("missing required field");
        }
        io.remora.config.AccessLogFilter.Comparison.Op op = switch (c.getOp()) {
            case EQ -> io.remora.config.AccessLogFilter.Comparison.Op.EQ;
            case GE -> io.remora.config.AccessLogFilter.Comparison.Op.GE;
            case LE -> io.remora.config.AccessLogFilter.Comparison.Op.LE;
            default -> throw path.field("op").error("unknown comparison " + c.getOpValue());
        };
        String key = c.getValue().getRuntimeKey();
        return new io.remora.config.AccessLogFilter.Comparison(op, Integer.toUnsignedLong(c.getValue().getDefaultValue()),
                key.isEmpty() ? null : key);
    }
}
