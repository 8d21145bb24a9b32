package io.remora.xds.translate;

import io.envoyproxy.envoy.config.route.v3.ScopedRouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.ScopedRoutes;
import io.remora.config.ScopedRoutesConfig;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A connection manager's {@code scoped_routes}, with Envoy's checks: the key builder's header
 * extractors, and each inline {@code ScopedRouteConfiguration} with its key and its route
 * configuration (by RDS name over {@code rds_config_source}, or inline). Scopes over SRDS
 * ({@code scoped_rds}) are refused.
 */
final class ScopedRoutesTranslator {

    private ScopedRoutesTranslator() {
    }

    static ScopedRoutesConfig translate(ScopedRoutes s, FieldPath path, TranslationContext ctx) {
        if (s.getName().isEmpty()) {
            throw path.field("name").error("missing required field");
        }
        if (!s.hasScopeKeyBuilder()) {
            throw path.field("scope_key_builder").error("missing required field");
        }
        if (!s.hasRdsConfigSource()) {
            throw path.field("rds_config_source").error("missing required field");
        }
        List<ScopedRoutesConfig.KeyFragment> builder = keyBuilder(s.getScopeKeyBuilder(),
                path.field("scope_key_builder"));
        return switch (s.getConfigSpecifierCase()) {
            case SCOPED_ROUTE_CONFIGURATIONS_LIST -> new ScopedRoutesConfig(s.getName(), builder,
                    scopes(s.getScopedRouteConfigurationsList().getScopedRouteConfigurationsList(),
                            path.field("scoped_route_configurations_list").field("scoped_route_configurations"), ctx));
            case SCOPED_RDS -> throw path.field("scoped_rds").error("scoped RDS (SRDS) is not supported: list the"
                    + " scopes in scoped_route_configurations_list");
            case CONFIGSPECIFIER_NOT_SET -> throw path.error(
                    "missing required field: one of scoped_route_configurations_list, scoped_rds");
        };
    }

    private static List<ScopedRoutesConfig.KeyFragment> keyBuilder(ScopedRoutes.ScopeKeyBuilder b, FieldPath path) {
        if (b.getFragmentsCount() == 0) {
            throw path.field("fragments").error("must have at least one fragment");
        }
        List<ScopedRoutesConfig.KeyFragment> out = new ArrayList<>();
        for (int i = 0; i < b.getFragmentsCount(); i++) {
            FieldPath fp = path.field("fragments").index(i);
            if (!b.getFragments(i).hasHeaderValueExtractor()) {
                throw fp.error("missing required field: header_value_extractor");
            }
            var x = b.getFragments(i).getHeaderValueExtractor();
            FieldPath xp = fp.field("header_value_extractor");
            if (x.getName().isEmpty()) {
                throw xp.field("name").error("missing required field");
            }
            String header = x.getName().toLowerCase(java.util.Locale.ROOT);
            out.add(switch (x.getExtractTypeCase()) {
                case INDEX -> {
                    if (x.getIndex() != 0 && x.getElementSeparator().isEmpty()) {
                        throw xp.field("index").error("Index > 0 for empty string element separator.");
                    }
                    yield new ScopedRoutesConfig.KeyFragment(header, x.getElementSeparator(), x.getIndex(), null, null);
                }
                case ELEMENT -> {
                    var kv = x.getElement();
                    if (kv.getSeparator().isEmpty()) {
                        throw xp.field("element").field("separator").error("missing required field");
                    }
                    if (kv.getKey().isEmpty()) {
                        throw xp.field("element").field("key").error("missing required field");
                    }
                    yield new ScopedRoutesConfig.KeyFragment(header, x.getElementSeparator(), 0, kv.getSeparator(),
                            kv.getKey());
                }
                case EXTRACTTYPE_NOT_SET -> throw xp.error("HeaderValueExtractor extract_type not set.");
            });
        }
        return out;
    }

    private static Map<List<String>, ScopedRoutesConfig.Scope> scopes(List<ScopedRouteConfiguration> list,
                                                                        FieldPath path, TranslationContext ctx) {
        Map<List<String>, ScopedRoutesConfig.Scope> out = new HashMap<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            ScopedRouteConfiguration c = list.get(i);
            FieldPath sp = path.index(i);
            if (c.getName().isEmpty()) {
                throw sp.field("name").error("missing required field");
            }
            if (!names.add(c.getName())) {
                throw sp.field("name").error("duplicate scoped route configuration '" + c.getName() + "' found");
            }
            if (!c.hasKey() || c.getKey().getFragmentsCount() == 0) {
                throw sp.field("key").field("fragments").error("must have at least one fragment");
            }
            List<String> key = new ArrayList<>();
            for (int k = 0; k < c.getKey().getFragmentsCount(); k++) {
                var f = c.getKey().getFragments(k);
                if (f.getTypeCase() != ScopedRouteConfiguration.Key.Fragment.TypeCase.STRING_KEY) {
                    throw sp.field("key").field("fragments").index(k).error("missing required field: string_key");
                }
                key.add(f.getStringKey());
            }
            if (c.getOnDemand()) {
                ctx.warnOnce("scoped_routes:on_demand", "scoped route configurations listed inline are loaded"
                        + " eagerly (on_demand applies to SRDS), first at " + sp.field("on_demand"));
            }
            ScopedRoutesConfig.Scope scope;
            if (c.hasRouteConfiguration()) {
                scope = new ScopedRoutesConfig.Scope(c.getName(), null, RouteConfigurationTranslator.translate(
                        c.getRouteConfiguration(), sp.field("route_configuration"), ctx));
            } else if (!c.getRouteConfigurationName().isEmpty()) {
                scope = new ScopedRoutesConfig.Scope(c.getName(), c.getRouteConfigurationName(), null);
            } else {
                throw sp.error("missing required field: one of route_configuration_name, route_configuration");
            }
            ScopedRoutesConfig.Scope previous = out.putIfAbsent(List.copyOf(key), scope);
            if (previous != null) {
                throw sp.field("key").error("scope key conflict found, first scope is '" + previous.name()
                        + "', second scope is '" + c.getName() + "'");
            }
        }
        return out;
    }
}
