package io.remora.extensions.filters.common.rbac;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.HttpFilterConfig;
import io.remora.config.ListenerConfig;
import io.remora.config.NetworkFilterConfig;
import io.remora.extensions.ExtensionRegistry;
import io.remora.extensions.HttpFilterExtension;
import io.remora.extensions.NetworkFilterExtension;
import io.remora.extensions.filters.http.ext_authz.ExtAuthzConfig;
import io.remora.extensions.filters.http.rbac.RbacConfig;
import io.remora.extensions.filters.network.rbac.NetworkRbacConfig;
import io.remora.xds.TestResources;
import io.remora.xds.bootstrap.ConfigDocuments;
import io.remora.xds.bootstrap.ProtoJson;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.ListenerTranslator;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The AuthorizationPolicies Istio compiled into a real sidecar's listeners
 * ({@code sidecar-listeners.json}): every RBAC and ext_authz config in it translates, and the
 * listeners that carry them translate whole instead of being refused for access control.
 */
public class IstioFixtureAuthorizationTest {

    static final Set<String> TYPES = Set.of(
            "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC",
            "type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC",
            "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz");

    /** One typed_config found in the fixture, with its JSON path. */
    public record Found(String path, JsonObject config) {
    }

    /** Every typed_config of the RBAC and ext_authz types in the fixture, in document order. */
    public static List<Found> find() {
        JsonObject root = ConfigDocuments.parseJson(TestResources.text("istio/sidecar-listeners.json"), "sidecar-listeners");
        List<Found> out = new ArrayList<>();
        walk(root, "", out);
        return out;
    }

    private static void walk(JsonElement e, String path, List<Found> out) {
        if (e.isJsonObject()) {
            JsonObject o = e.getAsJsonObject();
            JsonElement t = o.get("@type");
            if (t != null && t.isJsonPrimitive() && TYPES.contains(t.getAsString())) {
                out.add(new Found(path, o));
            }
            for (Map.Entry<String, JsonElement> m : o.entrySet()) {
                walk(m.getValue(), path + "." + m.getKey(), out);
            }
        } else if (e.isJsonArray()) {
            JsonArray a = e.getAsJsonArray();
            for (int i = 0; i < a.size(); i++) {
                walk(a.get(i), path + "[" + i + "]", out);
            }
        }
    }

    static TypedConfig typed(JsonObject config, FieldPath path) {
        JsonObject filter = new JsonObject();
        filter.addProperty("name", "f");
        filter.add("typed_config", config);
        Filter f = ProtoJson.merge(filter, Filter.newBuilder(), path, TranslationContext.lenient()).build();
        return TypedConfig.of(f.getTypedConfig(), path.field("typed_config"));
    }

    @Test
    void everyAuthorizationConfigTranslates() {
        List<Found> found = find();
        // 5 HTTP connection managers with two RBAC filters and one ext_authz each, 3 network RBAC filters.
        assertEquals(18, found.size());
        int http = 0;
        int network = 0;
        int extAuthz = 0;
        for (Found f : found) {
            FieldPath path = FieldPath.of(f.path());
            TypedConfig typed = typed(f.config(), path);
            var ext = ExtensionRegistry.get().byConfigType(typed.typeName());
            assertNotNull(ext, typed.typeName());
            assertTrue(ext.enforcesAccess());
            if (ext instanceof HttpFilterExtension<?> h) {
                HttpFilterConfig c = h.translate(typed, path, TranslationContext.lenient());
                if (c instanceof RbacConfig r) {
                    http++;
                    assertTrue(r.rules().engine() != null || r.rules().shadowEngine() != null, f.path());
                } else {
                    ExtAuthzConfig e = (ExtAuthzConfig) c;
                    extAuthz++;
                    assertEquals("outbound|9191||sample-ext-authz-grpc", e.service().cluster());
                    assertNotNull(e.filterEnabledMetadata());
                    assertEquals(8000, e.withRequestBody().maxRequestBytes());
                }
            } else {
                NetworkFilterConfig c = ((NetworkFilterExtension<?>) ext).translate(typed, path, TranslationContext.lenient());
                NetworkRbacConfig n = (NetworkRbacConfig) c;
                network++;
                assertEquals("tcp.", n.statPrefix());
                // rules: {} is an ALLOW engine without policies: every connection on these chains is denied.
                assertTrue(((io.remora.rbac.RbacPolicyEngine) n.rules().engine()).policies().isEmpty());
            }
        }
        assertEquals(10, http);
        assertEquals(5, extAuthz);
        assertEquals(3, network);
    }

    @Test
    void listenersCarryingThemTranslateWhole() throws Exception {
        JsonObject root = ConfigDocuments.parseJson(TestResources.text("istio/sidecar-listeners.json"), "sidecar-listeners");
        ConfigDump dump = ProtoJson.merge(root, ConfigDump.newBuilder(), FieldPath.ROOT, TranslationContext.lenient()).build();
        ListenersConfigDump ld = dump.getConfigs(0).unpack(ListenersConfigDump.class);
        Listener inbound = ld.getDynamicListeners(23).getActiveState().getListener().unpack(Listener.class);
        assertEquals("virtualInbound", inbound.getName());
        ListenerConfig lc = ListenerTranslator.translate(inbound, FieldPath.of("virtualInbound"), TranslationContext.lenient());
        int rbacFilters = 0;
        for (var chain : lc.filterChains()) {
            for (NetworkFilterConfig f : chain.filters()) {
                if (f instanceof NetworkRbacConfig) {
                    rbacFilters++;
                }
                if (f instanceof HttpConnectionManagerConfig hcm) {
                    List<String> names = new ArrayList<>();
                    hcm.httpFilters().forEach(e -> names.add(e.config().filterName()));
                    // Every filter stays, in order: Istio's metadata exchange (a null-VM Wasm filter) first,
                    // the access-control filters, the fixture's gRPC stats, fault and CORS filters, then
                    // Istio's stats before the router.
                    assertEquals(List.of("istio.metadata_exchange", "envoy.filters.http.rbac", "envoy.filters.http.rbac",
                            "envoy.filters.http.ext_authz", "envoy.filters.http.grpc_stats", "envoy.filters.http.fault",
                            "envoy.filters.http.cors", "istio.stats", "envoy.filters.http.router"), names);
                }
            }
        }
        assertEquals(3, rbacFilters);
        assertFalse(lc.filterChains().isEmpty());
    }
}
