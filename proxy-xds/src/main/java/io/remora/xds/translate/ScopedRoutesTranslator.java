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
 * A connection manager's {@code scoped_routes}, with Envoy's checks (scoped_rds.cc): the key builder's
 * header extractors, and each inline {@code ScopedRouteConfiguration} with its key and its inline
 * route configuration; or scopes over SRDS ({@code scoped_rds}), each a key and a route configuration
 * fetched by name over RDS from {@code rds_config_source}.
 */
public final class ScopedRoutesTranslator {

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
            case SCOPED_RDS -> {
                checkScopedRds(s.getScopedRds(), path.field("scoped_rds"), ctx);
                yield new ScopedRoutesConfig(s.getName(), builder, Map.of(), true);
            }
            case CONFIGSPECIFIER_NOT_SET -> throw path.error(
                    "missing required field: one of scoped_route_configurations_list, scoped_rds");
        };
    }

    private static void checkScopedRds(io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.ScopedRds
                                               rds, FieldPath path, TranslationContext ctx) {
        if (ctx.ecdsSlots() == null) {
            // the bootstrap is translated before the xDS client exists: nothing would ever bring the scopes
            throw path.error("scoped_rds is supported in listeners delivered over LDS, not in static_resources");
        }
        if (!rds.getSrdsResourcesLocator().isEmpty()) {
            throw path.field("srds_resources_locator").error("xdstp:// resource locators are not supported");
        }
        if (!rds.hasScopedRdsConfigSource()) {
            throw path.field("scoped_rds_config_source").error("missing required field");
        }
        var cs = rds.getScopedRdsConfigSource();
        boolean grpc = cs.hasApiConfigSource() && switch (cs.getApiConfigSource().getApiType()) {
            case GRPC, DELTA_GRPC -> true;
            default -> false;
        };
        if (!cs.hasAds() && !grpc && !cs.hasSelf()) {
            throw path.field("scoped_rds_config_source").error("scoped RDS is fetched over ads or a GRPC or"
                    + " DELTA_GRPC api_config_source only");
        }
    }

    /**
     * One scope SRDS delivered, added to {@code into} as ScopedRdsConfigSubscription takes an update: its key
     * and the route configuration it names ({@code route_configuration_name}, fetched over RDS; an on_demand
     * scope's once a request {@code loaded} it); a key a scope before it in the update has fails the update
     * ({@code detectUpdateConflictAndCleanupRemoved}).
     */
    public static void srdsScope(ScopedRouteConfiguration c, boolean loaded,
                                 Map<List<String>, ScopedRoutesConfig.Scope> into) {
        FieldPath sp = FieldPath.of("scoped_route_configuration \"" + c.getName() + "\"");
        if (c.getName().isEmpty()) {
            throw sp.field("name").error("missing required field");
        }
        if (c.getRouteConfigurationName().isEmpty()) {
            throw sp.field("route_configuration_name").error("route_configuration_name is empty.");
        }
        ScopedRoutesConfig.Scope previous = into.putIfAbsent(key(c, sp),
                new ScopedRoutesConfig.Scope(c.getName(), c.getRouteConfigurationName(), null, loaded));
        if (previous != null) {
            throw sp.field("key").error("scope key conflict found, first scope is '" + previous.name()
                    + "', second scope is '" + c.getName() + "'");
        }
    }

    private static List<String> key(ScopedRouteConfiguration c, FieldPath sp) {
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
        return List.copyOf(key);
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
            List<String> key = key(c, sp);
            if (c.getOnDemand()) {
                ctx.warnOnce("scoped_routes:on_demand", "scoped route configurations listed inline are loaded"
                        + " eagerly (on_demand applies to SRDS), first at " + sp.field("on_demand"));
            }
            // makeScopedRouteInfos: inline scopes carry their routes inline
            if (!c.getRouteConfigurationName().isEmpty()) {
                throw sp.field("route_configuration_name").error("Fetching routes via RDS (route_configuration_name)"
                        + " is not supported with inline scoped routes.");
            }
            if (!c.hasRouteConfiguration()) {
                throw sp.field("route_configuration").error("You must specify a route_configuration with inline"
                        + " scoped routes.");
            }
            ScopedRoutesConfig.Scope scope = new ScopedRoutesConfig.Scope(c.getName(), null,
                    RouteConfigurationTranslator.translate(c.getRouteConfiguration(), sp.field("route_configuration"), ctx));
            ScopedRoutesConfig.Scope previous = out.putIfAbsent(key, scope);
            if (previous != null) {
                throw sp.field("key").error("scope key conflict found, first scope is '" + previous.name()
                        + "', second scope is '" + c.getName() + "'");
            }
        }
        return out;
    }
}
