package io.remora.route;

import io.remora.config.ClusterSpecifier;
import io.remora.config.ForwardAction;
import io.remora.config.PerFilterConfig;
import io.remora.config.Route;
import io.remora.config.RouteConfiguration;
import io.remora.config.RouteFilterConfig;
import io.remora.config.VirtualHost;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code typed_per_filter_config} levels one route sees, most specific first: the picked
 * weighted cluster, the route, its virtual host, the route configuration.
 */
final class PerFilterConfigs {

    private static final List<Map<String, PerFilterConfig>> NO_WEIGHTED = List.of();

    private final List<Map<String, PerFilterConfig>> weighted;
    private final Map<String, PerFilterConfig> route;
    private final Map<String, PerFilterConfig> virtualHost;
    private final Map<String, PerFilterConfig> routeConfiguration;
    private final boolean empty;

    PerFilterConfigs(RouteConfiguration config, VirtualHost vh, Route r) {
        List<Map<String, PerFilterConfig>> w = NO_WEIGHTED;
        boolean anyWeighted = false;
        if (r.action() instanceof ForwardAction f && f.cluster() instanceof ClusterSpecifier.Weighted wc) {
            w = new ArrayList<>(wc.clusters().size());
            for (ClusterSpecifier.WeightedCluster c : wc.clusters()) {
                w.add(c.perFilterConfigs());
                anyWeighted |= !c.perFilterConfigs().isEmpty();
            }
        }
        this.weighted = anyWeighted ? List.copyOf(w) : NO_WEIGHTED;
        this.route = r.perFilterConfigs();
        this.virtualHost = vh == null ? PerFilterConfig.NONE : vh.perFilterConfigs();
        this.routeConfiguration = config == null ? PerFilterConfig.NONE : config.perFilterConfigs();
        this.empty = !anyWeighted && route.isEmpty() && virtualHost.isEmpty() && routeConfiguration.isEmpty();
    }

    /** The most specific entry for {@code filter}; {@code weightedIndex} -1 when no split applies. */
    PerFilterConfig find(String filter, int weightedIndex) {
        if (empty) {
            return null;
        }
        if (weightedIndex >= 0 && weightedIndex < weighted.size()) {
            PerFilterConfig c = weighted.get(weightedIndex).get(filter);
            if (c != null) {
                return c;
            }
        }
        PerFilterConfig c = route.get(filter);
        if (c == null) {
            c = virtualHost.get(filter);
        }
        if (c == null) {
            c = routeConfiguration.get(filter);
        }
        return c;
    }

    /** The configs (not bare enable/disable entries) for {@code filter}, least specific first. */
    List<RouteFilterConfig> all(String filter, int weightedIndex) {
        if (empty) {
            return List.of();
        }
        List<RouteFilterConfig> out = new ArrayList<>(2);
        add(out, routeConfiguration.get(filter));
        add(out, virtualHost.get(filter));
        add(out, route.get(filter));
        if (weightedIndex >= 0 && weightedIndex < weighted.size()) {
            add(out, weighted.get(weightedIndex).get(filter));
        }
        return out;
    }

    private static void add(List<RouteFilterConfig> out, PerFilterConfig c) {
        if (c != null && c.config() != null) {
            out.add(c.config());
        }
    }
}
