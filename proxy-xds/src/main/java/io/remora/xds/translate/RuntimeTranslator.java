package io.remora.xds.translate;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.bootstrap.v3.LayeredRuntime;
import io.envoyproxy.envoy.config.bootstrap.v3.RuntimeLayer;
import io.remora.runtime.FractionalPercent;
import io.remora.runtime.LayeredRuntimeConfig;
import io.remora.runtime.RuntimeEntry;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The bootstrap's {@code layered_runtime} to a {@link LayeredRuntimeConfig}, with Envoy's checks. */
public final class RuntimeTranslator {

    private RuntimeTranslator() {
    }

    public static LayeredRuntimeConfig translate(Bootstrap b, TranslationContext ctx) {
        if (!b.hasLayeredRuntime()) {
            return LayeredRuntimeConfig.ABSENT;
        }
        FieldPath path = FieldPath.of("layered_runtime");
        LayeredRuntime lr = b.getLayeredRuntime();
        if (lr.getLayersCount() == 0) {
            // Envoy, given layered_runtime without layers, runs one unnamed admin layer.
            return new LayeredRuntimeConfig(List.of(new LayeredRuntimeConfig.Admin("")));
        }
        List<LayeredRuntimeConfig.Layer> layers = new ArrayList<>();
        Set<String> names = new HashSet<>();
        boolean admin = false;
        String rtdsFile = null;
        for (int i = 0; i < lr.getLayersCount(); i++) {
            RuntimeLayer l = lr.getLayers(i);
            FieldPath lp = path.field("layers").index(i);
            if (!names.add(l.getName())) {
                throw lp.field("name").error("Duplicate layer name: " + l.getName());
            }
            switch (l.getLayerSpecifierCase()) {
                case STATIC_LAYER -> layers.add(new LayeredRuntimeConfig.Static(l.getName(),
                        staticValues(l.getStaticLayer(), lp.field("static_layer"))));
                case DISK_LAYER -> {
                    var d = l.getDiskLayer();
                    layers.add(new LayeredRuntimeConfig.Disk(l.getName(), d.getSymlinkRoot(), d.getSubdirectory(),
                            d.getAppendServiceCluster()));
                }
                case ADMIN_LAYER -> {
                    if (admin) {
                        throw lp.field("admin_layer").error(
                                "Too many admin layers specified in LayeredRuntime, at most one may be specified");
                    }
                    admin = true;
                    layers.add(new LayeredRuntimeConfig.Admin(l.getName()));
                }
                case RTDS_LAYER -> {
                    rtdsSource(l, lp.field("rtds_layer").field("rtds_config"), rtdsFile, ctx);
                    if (rtdsFile == null) {
                        rtdsFile = filePath(l.getRtdsLayer().getRtdsConfig());
                    }
                    layers.add(new LayeredRuntimeConfig.Rtds(l.getName(), l.getRtdsLayer().getName()));
                }
                case LAYERSPECIFIER_NOT_SET -> throw lp.error(
                        "missing required field: one of static_layer, disk_layer, admin_layer, rtds_layer");
            }
        }
        return new LayeredRuntimeConfig(layers);
    }

    /**
     * The xDS client subscribes to {@code ads} layers, to GRPC and DELTA_GRPC api_config_sources on a
     * RuntimeDiscoveryService stream of their own, and to the layers of the first path_config_source file; an
     * api_config_source that cannot be fetched (REST) and no source at all are refused, as Envoy cannot subscribe
     * to them; other sources are warned about and the layer stays empty.
     */
    private static void rtdsSource(RuntimeLayer l, FieldPath path, String firstFile, TranslationContext ctx) {
        var cs = l.getRtdsLayer().getRtdsConfig();
        String file = filePath(cs);
        if (cs.hasAds()) {
            return;
        }
        if (cs.hasApiConfigSource()) {
            var refusal = io.remora.xds.ads.ConfigSourceRouting.unfetchable(cs);
            if (refusal != null) {
                throw path.field(refusal.field()).error(refusal.reason());
            }
            return;
        }
        if (file != null) {
            if (firstFile != null && !firstFile.equals(file)) {
                ctx.warnOnce("rtds_layer.file", "RTDS layers read one path_config_source file; layer '" + l.getName()
                        + "' names another (" + file + ") and stays empty, at " + path);
            }
            return;
        }
        if (cs.getConfigSourceSpecifierCase() == io.envoyproxy.envoy.config.core.v3.ConfigSource
                .ConfigSourceSpecifierCase.CONFIGSOURCESPECIFIER_NOT_SET) {
            throw path.error("missing config source specifier");
        }
        ctx.warnOnce("rtds_layer.source", "RTDS is fetched over ads, api_config_source or from a path_config_source file only; layer '"
                + l.getName() + "' (" + cs.getConfigSourceSpecifierCase() + ") stays empty, first at " + path);
    }

    /** A path_config_source's (or the legacy path's) file; null for any other source. */
    @SuppressWarnings("deprecation") // the legacy ConfigSource.path: Envoy still reads it
    public static String filePath(io.envoyproxy.envoy.config.core.v3.ConfigSource cs) {
        if (cs.hasPathConfigSource()) {
            return cs.getPathConfigSource().getPath();
        }
        return cs.getPath().isEmpty() ? null : cs.getPath();
    }

    /**
     * An RTDS Runtime's {@code layer}, flattened as a static layer is (Envoy builds both as a ProtoLayer).
     *
     * @throws TranslationException for lists and nulls, naming the key under {@code layer}
     */
    public static Map<String, RuntimeEntry> rtdsValues(Struct layer) {
        return staticValues(layer, FieldPath.of("layer"));
    }

    /** Envoy's ProtoLayer: nested objects become dotted keys; lists and nulls are refused. */
    static Map<String, RuntimeEntry> staticValues(Struct s, FieldPath path) {
        Map<String, RuntimeEntry> out = new LinkedHashMap<>();
        s.getFieldsMap().forEach((k, v) -> walk(v, k, path, out));
        return out;
    }

    private static void walk(Value v, String prefix, FieldPath path, Map<String, RuntimeEntry> out) {
        switch (v.getKindCase()) {
            case STRING_VALUE -> out.put(prefix, RuntimeEntry.parse(v.getStringValue()));
            case NUMBER_VALUE -> out.put(prefix, RuntimeEntry.ofNumber(v.getNumberValue()));
            case BOOL_VALUE -> out.put(prefix, RuntimeEntry.ofBoolean(v.getBoolValue()));
            case STRUCT_VALUE -> {
                Struct st = v.getStructValue();
                if (st.getFieldsCount() == 0 || st.containsFields("numerator") || st.containsFields("denominator")) {
                    out.put(prefix, RuntimeEntry.ofFraction(fraction(st, path.key(prefix))));
                } else {
                    st.getFieldsMap().forEach((k, c) -> walk(c, prefix + "." + k, path, out));
                }
            }
            default -> throw path.key(prefix).error("Invalid runtime entry value for " + prefix);
        }
    }

    private static FractionalPercent fraction(Struct st, FieldPath path) {
        long numerator = 0;
        FractionalPercent.Denominator denominator = FractionalPercent.Denominator.HUNDRED;
        for (Map.Entry<String, Value> e : st.getFieldsMap().entrySet()) {
            Value v = e.getValue();
            switch (e.getKey()) {
                case "numerator" -> {
                    if (v.getKindCase() != Value.KindCase.NUMBER_VALUE || v.getNumberValue() < 0
                            || v.getNumberValue() != Math.rint(v.getNumberValue()) || v.getNumberValue() > 0xFFFFFFFFL) {
                        throw path.field("numerator").error("numerator must be a non-negative 32-bit integer");
                    }
                    numerator = (long) v.getNumberValue();
                }
                case "denominator" -> {
                    String d = v.getKindCase() == Value.KindCase.NUMBER_VALUE
                            ? Long.toString((long) v.getNumberValue()) : v.getStringValue();
                    denominator = switch (d) {
                        case "HUNDRED", "0" -> FractionalPercent.Denominator.HUNDRED;
                        case "TEN_THOUSAND", "1" -> FractionalPercent.Denominator.TEN_THOUSAND;
                        case "MILLION", "2" -> FractionalPercent.Denominator.MILLION;
                        default -> throw path.field("denominator").error(
                                "denominator must be HUNDRED, TEN_THOUSAND or MILLION, not '" + d + "'");
                    };
                }
                default -> throw path.field(e.getKey()).error("unknown field of a FractionalPercent");
            }
        }
        return new FractionalPercent(numerator, denominator);
    }
}
