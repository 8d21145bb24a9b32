package io.remora.extensions.filters.istio.stats;

import com.google.protobuf.Message;
import io.remora.extensions.cel.CelEngine;
import io.remora.extensions.cel.CelProgram;
import io.remora.extensions.filters.istio.common.IstioProtos;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TranslationException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code stats.PluginConfig}'s {@code definitions} (custom metrics) and {@code metrics}
 * overrides, applied in order as istio-proxy applies them: {@code drop}, {@code tags_to_remove}
 * (standard tags of standard metrics only) and {@code dimensions} (a tag's value as a CEL
 * expression; a standard tag's replaced where a standard metric carries it, any other tag added,
 * every tag of a custom metric added), for one metric or, unnamed, for all (custom ones included).
 * A later entry re-adds a tag an earlier one removed. As istio-proxy, an expression that does not
 * parse removes its standard tag, leaves any other tag as it was, and drops its definition, with a
 * warning rather than failing the listener.
 */
final class MetricOverrides {

    /** A custom metric ({@code definitions}): full name, value expression and kind. */
    record Definition(String name, CelProgram value, Kind kind) {
    }

    enum Kind { COUNTER, GAUGE, HISTOGRAM }

    final Set<String> dropped = new HashSet<>();
    final Map<String, Set<String>> removedTags = new HashMap<>();
    /** Per metric (full name), tag → expression, in the order the tags were set. */
    final Map<String, Map<String, CelProgram>> dimensions = new HashMap<>();
    final List<Definition> definitions = new ArrayList<>();

    static MetricOverrides of(Message config, FieldPath path, TranslationContext ctx) {
        MetricOverrides o = new MetricOverrides();
        o.definitions(IstioProtos.repeated(config, "definitions"), path.field("definitions"), ctx);
        List<String> all = new ArrayList<>(IstioMetrics.ALL);
        o.definitions.forEach(d -> all.add(d.name()));
        List<Message> metrics = IstioProtos.repeated(config, "metrics");
        for (int i = 0; i < metrics.size(); i++) {
            o.metric(metrics.get(i), all, path.field("metrics").index(i), ctx);
        }
        return o;
    }

    private void definitions(List<Message> defs, FieldPath path, TranslationContext ctx) {
        for (int i = 0; i < defs.size(); i++) {
            Message d = defs.get(i);
            FieldPath dp = path.index(i);
            String name = IstioProtos.string(d, "name");
            if (name.isEmpty()) {
                throw dp.field("name").error("missing required field");
            }
            if (IstioMetrics.ALL.contains("istio_" + name)) {
                ctx.warnOnce("istio.stats.definition:" + name, "istio.stats: a definition may not re-define the standard"
                        + " metric '" + name + "'; ignored, at " + dp.field("name"));
                continue;
            }
            CelProgram value = expression(IstioProtos.string(d, "value"), dp.field("value"), ctx);
            if (value == null) {
                continue;
            }
            Kind kind = switch (IstioProtos.enumName(d, "type")) {
                case "GAUGE" -> Kind.GAUGE;
                case "HISTOGRAM" -> Kind.HISTOGRAM;
                default -> Kind.COUNTER;
            };
            definitions.add(new Definition("istio_" + name, value, kind));
        }
    }

    private void metric(Message mc, List<String> all, FieldPath mp, TranslationContext ctx) {
        String name = IstioProtos.string(mc, "name");
        List<String> targets = name.isEmpty() ? all : List.of("istio_" + name);
        if (!name.isEmpty() && !all.contains("istio_" + name)) {
            // Istio: overrides of a metric that is neither standard nor defined do nothing.
            ctx.warnOnce("istio.stats.metric:" + name, "istio.stats: no metric '" + name
                    + "' (neither standard nor in definitions), at " + mp.field("name"));
            return;
        }
        if (IstioProtos.bool(mc, "drop")) {
            // As istio-proxy: only standard metrics can be dropped.
            if (!name.isEmpty() && IstioMetrics.ALL.contains("istio_" + name)) {
                dropped.addAll(targets);
            }
            return;
        }
        // As istio-proxy: only a standard metric's standard tags can be removed; an added tag stays.
        List<String> standard = targets.stream().filter(IstioMetrics.ALL::contains).toList();
        for (String tag : IstioProtos.<String>repeated(mc, "tags_to_remove")) {
            if (!IstioMetrics.STANDARD_TAGS.contains(tag)) {
                ctx.warnOnce("istio.stats.tag:" + tag, "istio.stats: '" + tag + "' is not a standard tag; not removed,"
                        + " at " + mp.field("tags_to_remove"));
                continue;
            }
            standard.forEach(t -> remove(t, tag));
        }
        Map<String, String> dims = new TreeMap<>();
        for (Message e : IstioProtos.<Message>repeated(mc, "dimensions")) {
            dims.put(IstioProtos.string(e, "key"), IstioProtos.string(e, "value"));
        }
        dims.forEach((tag, text) -> {
            CelProgram p = expression(text, mp.field("dimensions").key(tag), ctx);
            if (p == null && !IstioMetrics.STANDARD_TAGS.contains(tag)) {
                // istio-proxy skips it: an earlier addition of the tag stays.
                return;
            }
            for (String t : p == null ? standard : targets) {
                if (p == null) {
                    // istio-proxy: a standard tag whose expression does not parse is removed.
                    remove(t, tag);
                } else {
                    dimensions.computeIfAbsent(t, k -> new LinkedHashMap<>()).put(tag, p);
                    Set<String> removed = removedTags.get(t);
                    if (removed != null) {
                        removed.remove(tag);
                    }
                }
            }
        });
    }

    private void remove(String metric, String tag) {
        removedTags.computeIfAbsent(metric, k -> new HashSet<>()).add(tag);
        Map<String, CelProgram> d = dimensions.get(metric);
        if (d != null) {
            d.remove(tag);
        }
    }

    /** The compiled expression, or null (with a warning) when it does not parse. */
    private static CelProgram expression(String text, FieldPath path, TranslationContext ctx) {
        try {
            return CelEngine.compile(text, path, ctx);
        } catch (TranslationException e) {
            ctx.warnOnce("istio.stats.cel:" + path, "istio.stats: ignoring " + e.getMessage());
            return null;
        }
    }
}
