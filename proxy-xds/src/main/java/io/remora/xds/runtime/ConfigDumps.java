package io.remora.xds.runtime;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.admin.v3.EndpointsConfigDump;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.admin.v3.RoutesConfigDump;
import io.envoyproxy.envoy.admin.v3.SecretsConfigDump;
import io.remora.admin.AdminResponse;
import io.remora.admin.ConfigDumpQuery;
import io.remora.xds.ads.XdsResource;
import io.remora.xds.ads.XdsResourceType;
import io.remora.xds.ads.XdsSnapshot;
import io.remora.xds.bootstrap.ConfigDumpBuilder;
import io.remora.xds.bootstrap.EnvoyTypeRegistry;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * {@code /config_dump}: the bootstrap's static resources and the last applied xDS snapshot, in
 * Envoy's admin v3 shape, each dynamic resource with its version_info and last_updated; with
 * Envoy's {@code resource}, {@code mask}, {@code name_regex} and {@code include_eds} parameters and
 * their error codes. Secrets' private material is redacted by {@link ConfigDumpBuilder#toJson(ConfigDump)}.
 */
final class ConfigDumps {

    private ConfigDumps() {
    }

    static String json(ConfigDumpBuilder statics, XdsSnapshot snapshot, Collection<XdsResource> fileSecrets,
                       ListenersDump listenerStates) {
        return dump(statics, snapshot, fileSecrets, listenerStates, ConfigDumpQuery.ALL).body();
    }

    /**
     * {@code fileSecrets}: those read from sds_config files, dynamic secrets as Envoy shows them;
     * {@code listenerStates}: what warms, runs and failed of the dynamic listeners.
     */
    static AdminResponse dump(ConfigDumpBuilder statics, XdsSnapshot snapshot, Collection<XdsResource> fileSecrets,
                              ListenersDump listenerStates, ConfigDumpQuery q) {
        Pattern names = null;
        if (q.nameRegex() != null && !q.nameRegex().isEmpty()) {
            try {
                names = Pattern.compile(q.nameRegex());
            } catch (PatternSyntaxException e) {
                return AdminResponse.text(400, "Error while parsing name_regex from " + q.nameRegex() + ": "
                        + e.getDescription());
            }
        }
        List<Message> dumps = dumps(statics, snapshot, fileSecrets, listenerStates, q.includeEds(), names);
        List<String> mask = q.mask() == null || q.mask().isEmpty() ? null : List.of(q.mask().split(","));
        ConfigDump.Builder out = ConfigDump.newBuilder();
        if (q.resource() != null && !q.resource().isEmpty()) {
            boolean found = false;
            for (Message m : dumps) {
                FieldDescriptor f = m.getDescriptorForType().findFieldByName(q.resource());
                if (f == null) {
                    continue;
                }
                if (!f.isRepeated() || f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
                    return AdminResponse.text(400, q.resource() + " is not a repeated field. Use ?mask="
                            + q.resource() + " to get only this field");
                }
                for (int i = 0; i < m.getRepeatedFieldCount(f); i++) {
                    Message item = (Message) m.getRepeatedField(f, i);
                    out.addConfigs(Any.pack(mask == null ? item : trim(item, mask)));
                }
                found = true;
                break;
            }
            if (!found) {
                return AdminResponse.text(404, q.resource() + " not found in config dump");
            }
        } else {
            for (Message m : dumps) {
                out.addConfigs(Any.pack(mask == null ? m : com.google.protobuf.util.FieldMaskUtil.trim(
                        com.google.protobuf.util.FieldMaskUtil.fromStringList(mask), m)));
            }
        }
        return AdminResponse.json(ConfigDumpBuilder.toJson(out.build()));
    }

    private static List<Message> dumps(ConfigDumpBuilder statics, XdsSnapshot snapshot,
                                       Collection<XdsResource> fileSecrets, ListenersDump listenerStates,
                                       boolean includeEds, Pattern names) {
        ClustersConfigDump.Builder clusters = statics.clustersDump();
        ListenersConfigDump.Builder listeners = statics.listenersDump();
        RoutesConfigDump.Builder routes = statics.routesDump();
        EndpointsConfigDump.Builder endpoints = EndpointsConfigDump.newBuilder();
        SecretsConfigDump.Builder secrets = SecretsConfigDump.newBuilder();
        if (snapshot != null) {
            clusters.setVersionInfo(snapshot.dumpVersionInfo(XdsResourceType.CLUSTER));
            for (XdsResource r : snapshot.state(XdsResourceType.CLUSTER).resources().values()) {
                clusters.addDynamicActiveClusters(ClustersConfigDump.DynamicCluster.newBuilder()
                        .setVersionInfo(r.version()).setCluster(Any.pack(r.resource())).setLastUpdated(ts(r.lastUpdated())));
            }
            listeners.setVersionInfo(snapshot.dumpVersionInfo(XdsResourceType.LISTENER));
            listenerStates.addTo(listeners, snapshot);
            for (XdsResource r : snapshot.state(XdsResourceType.ROUTE).resources().values()) {
                routes.addDynamicRouteConfigs(RoutesConfigDump.DynamicRouteConfig.newBuilder().setVersionInfo(r.version())
                        .setRouteConfig(Any.pack(VhdsRouteConfigs.merged(
                                (io.envoyproxy.envoy.config.route.v3.RouteConfiguration) r.resource(),
                                snapshot.virtualHosts()))).setLastUpdated(ts(r.lastUpdated())));
            }
            for (XdsResource r : snapshot.state(XdsResourceType.ENDPOINT).resources().values()) {
                endpoints.addDynamicEndpointConfigs(EndpointsConfigDump.DynamicEndpointConfig.newBuilder()
                        .setVersionInfo(r.version()).setEndpointConfig(Any.pack(r.resource())).setLastUpdated(ts(r.lastUpdated())));
            }
            addSecrets(secrets, snapshot.state(XdsResourceType.SECRET).resources().values());
        }
        addSecrets(secrets, fileSecrets);
        List<Message> out = new ArrayList<>();
        out.add(statics.bootstrapDump());
        out.add(clusters.build());
        if (snapshot != null) {
            out.addAll(ecdsDumps(snapshot));
        }
        if (includeEds) {
            // Envoy leaves endpoints out of /config_dump unless asked: they can be very large.
            out.add(endpoints.build());
        }
        out.add(listeners.build());
        out.add(ScopedRoutesDump.of(statics, snapshot));
        out.add(routes.build());
        out.add(secrets.build());
        if (names != null) {
            List<Message> filtered = new ArrayList<>();
            for (Message m : out) {
                filtered.add(m == out.get(0) ? m : filterByName(m, names));
            }
            return filtered;
        }
        return out;
    }

    /**
     * Envoy's {@code ecds_filter_http} and {@code ecds_filter_network} entries (EcdsConfigDump), each present
     * once a filter of that kind is discovered: the delivered configs its filters name.
     */
    private static List<Message> ecdsDumps(XdsSnapshot snapshot) {
        List<Message> out = new ArrayList<>();
        for (io.remora.xds.ads.EcdsRefs.Kind kind : io.remora.xds.ads.EcdsRefs.Kind.values()) {
            java.util.Set<String> names = new java.util.TreeSet<>();
            boolean any = false;
            for (io.remora.xds.ads.EcdsRefs.Ref ref : io.remora.xds.ads.EcdsRefs.of(snapshot)) {
                if (ref.kind() == kind) {
                    any = true;
                    names.add(ref.name());
                }
            }
            if (!any) {
                continue;
            }
            io.envoyproxy.envoy.admin.v3.EcdsConfigDump.Builder dump = io.envoyproxy.envoy.admin.v3.EcdsConfigDump.newBuilder();
            for (String name : names) {
                XdsResource r = snapshot.state(XdsResourceType.EXTENSION_CONFIG).resources().get(name);
                if (r != null) {
                    dump.addEcdsFilters(io.envoyproxy.envoy.admin.v3.EcdsConfigDump.EcdsFilterConfig.newBuilder()
                            .setVersionInfo(r.version()).setEcdsFilter(Any.pack(r.resource()))
                            .setLastUpdated(ts(r.lastUpdated())));
                }
            }
            out.add(dump.build());
        }
        return out;
    }

    private static void addSecrets(SecretsConfigDump.Builder secrets, Collection<XdsResource> active) {
        for (XdsResource r : active) {
            secrets.addDynamicActiveSecrets(SecretsConfigDump.DynamicSecret.newBuilder().setName(r.name())
                    .setVersionInfo(r.version()).setSecret(Any.pack(r.resource())).setLastUpdated(ts(r.lastUpdated())));
        }
    }

    /** Keeps the items of each repeated field whose resource name matches (Envoy's name_regex). */
    private static Message filterByName(Message dump, Pattern names) {
        Message.Builder b = dump.toBuilder();
        for (FieldDescriptor f : dump.getDescriptorForType().getFields()) {
            if (!f.isRepeated() || f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
                continue;
            }
            b.clearField(f);
            for (int i = 0; i < dump.getRepeatedFieldCount(f); i++) {
                Message item = (Message) dump.getRepeatedField(f, i);
                String name = resourceName(item);
                if (name == null || names.matcher(name).matches()) {
                    b.addRepeatedField(f, item);
                }
            }
        }
        return b.build();
    }

    /** The name of the resource an item of a dump holds: its own name, or that of the packed resource. */
    private static String resourceName(Message item) {
        FieldDescriptor nameField = item.getDescriptorForType().findFieldByName("name");
        if (nameField != null && nameField.getJavaType() == FieldDescriptor.JavaType.STRING
                && !((String) item.getField(nameField)).isEmpty()) {
            return (String) item.getField(nameField);
        }
        for (FieldDescriptor f : item.getDescriptorForType().getFields()) {
            if (f.isRepeated() || f.getJavaType() != FieldDescriptor.JavaType.MESSAGE || !item.hasField(f)) {
                continue;
            }
            Message v = (Message) item.getField(f);
            if (v instanceof Any any) {
                Message unpacked = EnvoyTypeRegistry.unpack(any);
                if (unpacked != null) {
                    for (String n : new String[] {"name", "cluster_name"}) {
                        FieldDescriptor nf = unpacked.getDescriptorForType().findFieldByName(n);
                        if (nf != null && nf.getJavaType() == FieldDescriptor.JavaType.STRING) {
                            return (String) unpacked.getField(nf);
                        }
                    }
                }
            } else {
                String n = resourceName(v);
                if (n != null) {
                    return n;
                }
            }
        }
        return null;
    }

    /**
     * Envoy's trimResourceMessage: a FieldMask applied to one item, looking through {@code Any}
     * fields (so {@code cluster.name} reaches the packed Cluster's name). Paths do not index
     * repeated fields.
     */
    static Message trim(Message m, List<String> paths) {
        Map<String, List<String>> byField = new HashMap<>();
        for (String p : paths) {
            String t = p.strip();
            if (t.isEmpty()) {
                continue;
            }
            int dot = t.indexOf('.');
            String head = dot < 0 ? t : t.substring(0, dot);
            List<String> rest = byField.computeIfAbsent(head, k -> new ArrayList<>());
            if (dot < 0) {
                rest.add(""); // the whole field
            } else {
                rest.add(t.substring(dot + 1));
            }
        }
        Message.Builder b = m.newBuilderForType();
        for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
            FieldDescriptor f = e.getKey();
            List<String> sub = byField.get(f.getName());
            if (sub == null) {
                continue;
            }
            if (sub.contains("") || f.getJavaType() != FieldDescriptor.JavaType.MESSAGE || f.isRepeated()) {
                if (sub.contains("")) {
                    b.setField(f, e.getValue());
                }
                continue;
            }
            Message v = (Message) e.getValue();
            if (v instanceof Any any) {
                Message unpacked = EnvoyTypeRegistry.unpack(any);
                if (unpacked != null) {
                    b.setField(f, Any.newBuilder().setTypeUrl(any.getTypeUrl())
                            .setValue(trim(unpacked, sub).toByteString()).build());
                }
            } else {
                b.setField(f, trim(v, sub));
            }
        }
        return b.build();
    }

    private static Timestamp ts(Instant i) {
        return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }
}
