package io.remora.extensions.filters.istio.common;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MessageOptions;
import com.google.protobuf.DescriptorProtos.OneofDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Duration;
import com.google.protobuf.Message;

import java.util.ArrayList;
import java.util.List;

/**
 * Istio's own config messages, which the Envoy API jar does not carry: built here from the field
 * names and numbers of istio/api ({@code envoy/extensions/stats/config.proto},
 * {@code envoy/config/filter/network/metadata_exchange/metadata_exchange.proto},
 * {@code envoy/config/filter/http/alpn/v2alpha1/config.proto}) and istio/proxy
 * ({@code io.istio.http.peer_metadata.Config}, {@code io.istio.network.authn.Config}), so that
 * binary {@code Any}s, JSON and {@code TypedStruct}s naming them all parse.
 */
public final class IstioProtos {

    /*
     * The messages' full names as compile-time constants: the extensions name their config types
     * with these, which (unlike the descriptors) does not build the descriptors below at start-up.
     */
    public static final String METADATA_EXCHANGE_NAME = "envoy.tcp.metadataexchange.config.MetadataExchange";
    public static final String ALPN_NAME = "istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig";
    public static final String PEER_METADATA_NAME = "io.istio.http.peer_metadata.Config";
    public static final String AUTHN_NAME = "io.istio.network.authn.Config";
    public static final String CONNECT_AUTHORITY_NAME = "io.istio.http.connect_authority.Config";
    public static final String CONNECT_BAGGAGE_NAME = "io.istio.http.connect_baggage.Config";
    public static final String FORWARD_DOWNSTREAM_SNI_NAME = "io.istio.tcp.forward_downstream_sni.v1.Config";

    /** {@code stats.PluginConfig}. */
    public static final Descriptor PLUGIN_CONFIG;
    /** {@code envoy.tcp.metadataexchange.config.MetadataExchange}. */
    public static final Descriptor METADATA_EXCHANGE;
    /** {@code istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig}. */
    public static final Descriptor ALPN;
    /** {@code io.istio.http.peer_metadata.Config}. */
    public static final Descriptor PEER_METADATA;
    /** {@code io.istio.network.authn.Config}. */
    public static final Descriptor AUTHN;
    /** {@code io.istio.http.connect_authority.Config}. */
    public static final Descriptor CONNECT_AUTHORITY;
    /** {@code io.istio.http.connect_baggage.Config}. */
    public static final Descriptor CONNECT_BAGGAGE;
    /** {@code io.istio.tcp.forward_downstream_sni.v1.Config} (no fields). */
    public static final Descriptor FORWARD_DOWNSTREAM_SNI;

    static {
        try {
            FileDescriptor duration = Duration.getDescriptor().getFile();
            FileDescriptorProto stats = FileDescriptorProto.newBuilder()
                    .setName("envoy/extensions/stats/config.proto").setPackage("stats").setSyntax("proto3")
                    .addDependency(duration.getName())
                    .addEnumType(enumType("MetricType", "COUNTER", "GAUGE", "HISTOGRAM"))
                    .addEnumType(enumType("Reporter", "UNSPECIFIED", "SERVER_GATEWAY"))
                    .addMessageType(DescriptorProto.newBuilder().setName("MetricConfig")
                            .addNestedType(mapEntry("DimensionsEntry"))
                            .addField(field("dimensions", 1, Type.TYPE_MESSAGE, Label.LABEL_REPEATED,
                                    ".stats.MetricConfig.DimensionsEntry"))
                            .addField(field("name", 2, Type.TYPE_STRING))
                            .addField(field("tags_to_remove", 3, Type.TYPE_STRING, Label.LABEL_REPEATED, null))
                            .addField(field("match", 4, Type.TYPE_STRING))
                            .addField(field("drop", 5, Type.TYPE_BOOL)))
                    .addMessageType(DescriptorProto.newBuilder().setName("MetricDefinition")
                            .addField(field("name", 1, Type.TYPE_STRING))
                            .addField(field("value", 2, Type.TYPE_STRING))
                            .addField(field("type", 3, Type.TYPE_ENUM, Label.LABEL_OPTIONAL, ".stats.MetricType")))
                    .addMessageType(DescriptorProto.newBuilder().setName("PluginConfig")
                            .addField(field("debug", 1, Type.TYPE_BOOL))
                            .addField(field("max_peer_cache_size", 2, Type.TYPE_INT32))
                            .addField(field("stat_prefix", 3, Type.TYPE_STRING))
                            .addField(field("field_separator", 4, Type.TYPE_STRING))
                            .addField(field("value_separator", 5, Type.TYPE_STRING))
                            .addField(field("disable_host_header_fallback", 6, Type.TYPE_BOOL))
                            .addField(field("tcp_reporting_duration", 7, Type.TYPE_MESSAGE, Label.LABEL_OPTIONAL,
                                    ".google.protobuf.Duration"))
                            .addField(field("metrics", 8, Type.TYPE_MESSAGE, Label.LABEL_REPEATED, ".stats.MetricConfig"))
                            .addField(field("definitions", 9, Type.TYPE_MESSAGE, Label.LABEL_REPEATED,
                                    ".stats.MetricDefinition"))
                            .addField(field("reporter", 10, Type.TYPE_ENUM, Label.LABEL_OPTIONAL, ".stats.Reporter"))
                            .addField(field("rotation_interval", 11, Type.TYPE_MESSAGE, Label.LABEL_OPTIONAL,
                                    ".google.protobuf.Duration"))
                            .addField(field("graceful_deletion_interval", 12, Type.TYPE_MESSAGE, Label.LABEL_OPTIONAL,
                                    ".google.protobuf.Duration")))
                    .build();
            PLUGIN_CONFIG = FileDescriptor.buildFrom(stats, new FileDescriptor[]{duration})
                    .findMessageTypeByName("PluginConfig");

            FileDescriptorProto mx = FileDescriptorProto.newBuilder()
                    .setName("envoy/config/filter/network/metadata_exchange/metadata_exchange.proto")
                    .setPackage("envoy.tcp.metadataexchange.config").setSyntax("proto3")
                    .addMessageType(DescriptorProto.newBuilder().setName("MetadataExchange")
                            .addField(field("protocol", 1, Type.TYPE_STRING))
                            .addField(field("enable_discovery", 2, Type.TYPE_BOOL)))
                    .build();
            METADATA_EXCHANGE = FileDescriptor.buildFrom(mx, new FileDescriptor[0]).findMessageTypeByName("MetadataExchange");

            String alpnPkg = ".istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig";
            FileDescriptorProto alpn = FileDescriptorProto.newBuilder()
                    .setName("envoy/config/filter/http/alpn/v2alpha1/config.proto")
                    .setPackage("istio.envoy.config.filter.http.alpn.v2alpha1").setSyntax("proto3")
                    .addMessageType(DescriptorProto.newBuilder().setName("FilterConfig")
                            .addEnumType(enumType("Protocol", "HTTP10", "HTTP11", "HTTP2"))
                            .addNestedType(DescriptorProto.newBuilder().setName("AlpnOverride")
                                    .addField(field("upstream_protocol", 1, Type.TYPE_ENUM, Label.LABEL_OPTIONAL,
                                            alpnPkg + ".Protocol"))
                                    .addField(field("alpn_override", 2, Type.TYPE_STRING, Label.LABEL_REPEATED, null)))
                            .addField(field("alpn_override", 1, Type.TYPE_MESSAGE, Label.LABEL_REPEATED,
                                    alpnPkg + ".AlpnOverride")))
                    .build();
            ALPN = FileDescriptor.buildFrom(alpn, new FileDescriptor[0]).findMessageTypeByName("FilterConfig");

            String pm = ".io.istio.http.peer_metadata.Config";
            FileDescriptorProto peer = FileDescriptorProto.newBuilder()
                    .setName("source/extensions/filters/http/peer_metadata/config.proto")
                    .setPackage("io.istio.http.peer_metadata").setSyntax("proto3")
                    .addMessageType(DescriptorProto.newBuilder().setName("Config")
                            .addNestedType(DescriptorProto.newBuilder().setName("Baggage"))
                            .addNestedType(DescriptorProto.newBuilder().setName("WorkloadDiscovery"))
                            .addNestedType(DescriptorProto.newBuilder().setName("IstioHeaders")
                                    .addField(field("skip_external_clusters", 1, Type.TYPE_BOOL)))
                            .addNestedType(DescriptorProto.newBuilder().setName("DiscoveryMethod")
                                    .addOneofDecl(OneofDescriptorProto.newBuilder().setName("method_specifier"))
                                    .addField(oneof(field("baggage", 1, Type.TYPE_MESSAGE, Label.LABEL_OPTIONAL,
                                            pm + ".Baggage")))
                                    .addField(oneof(field("workload_discovery", 2, Type.TYPE_MESSAGE,
                                            Label.LABEL_OPTIONAL, pm + ".WorkloadDiscovery")))
                                    .addField(oneof(field("istio_headers", 3, Type.TYPE_MESSAGE, Label.LABEL_OPTIONAL,
                                            pm + ".IstioHeaders"))))
                            .addNestedType(DescriptorProto.newBuilder().setName("PropagationMethod")
                                    .addOneofDecl(OneofDescriptorProto.newBuilder().setName("method_specifier"))
                                    .addField(oneof(field("istio_headers", 1, Type.TYPE_MESSAGE, Label.LABEL_OPTIONAL,
                                            pm + ".IstioHeaders"))))
                            .addField(field("downstream_discovery", 1, Type.TYPE_MESSAGE, Label.LABEL_REPEATED,
                                    pm + ".DiscoveryMethod"))
                            .addField(field("upstream_discovery", 2, Type.TYPE_MESSAGE, Label.LABEL_REPEATED,
                                    pm + ".DiscoveryMethod"))
                            .addField(field("downstream_propagation", 3, Type.TYPE_MESSAGE, Label.LABEL_REPEATED,
                                    pm + ".PropagationMethod"))
                            .addField(field("upstream_propagation", 4, Type.TYPE_MESSAGE, Label.LABEL_REPEATED,
                                    pm + ".PropagationMethod"))
                            .addField(field("shared_with_upstream", 5, Type.TYPE_BOOL))
                            .addField(field("additional_labels", 6, Type.TYPE_STRING, Label.LABEL_REPEATED, null)))
                    .build();
            PEER_METADATA = FileDescriptor.buildFrom(peer, new FileDescriptor[0]).findMessageTypeByName("Config");

            FileDescriptorProto authn = FileDescriptorProto.newBuilder()
                    .setName("source/extensions/filters/network/istio_authn/config.proto")
                    .setPackage("io.istio.network.authn").setSyntax("proto3")
                    .addMessageType(DescriptorProto.newBuilder().setName("Config")
                            .addField(field("shared", 1, Type.TYPE_BOOL)))
                    .build();
            AUTHN = FileDescriptor.buildFrom(authn, new FileDescriptor[0]).findMessageTypeByName("Config");

            FileDescriptorProto authority = FileDescriptorProto.newBuilder()
                    .setName("source/extensions/filters/http/connect_authority/config.proto")
                    .setPackage("io.istio.http.connect_authority").setSyntax("proto3")
                    .addMessageType(DescriptorProto.newBuilder().setName("Config")
                            .addField(field("enabled", 1, Type.TYPE_BOOL))
                            .addField(field("port", 2, Type.TYPE_UINT32)))
                    .build();
            CONNECT_AUTHORITY = FileDescriptor.buildFrom(authority, new FileDescriptor[0])
                    .findMessageTypeByName("Config");

            FileDescriptorProto baggage = FileDescriptorProto.newBuilder()
                    .setName("source/extensions/filters/http/connect_baggage/config.proto")
                    .setPackage("io.istio.http.connect_baggage").setSyntax("proto3")
                    .addMessageType(DescriptorProto.newBuilder().setName("Config"))
                    .build();
            CONNECT_BAGGAGE = FileDescriptor.buildFrom(baggage, new FileDescriptor[0]).findMessageTypeByName("Config");

            FileDescriptorProto forwardSni = FileDescriptorProto.newBuilder()
                    .setName("source/extensions/filters/network/forward_downstream_sni/config.proto")
                    .setPackage("io.istio.tcp.forward_downstream_sni.v1").setSyntax("proto3")
                    .addMessageType(DescriptorProto.newBuilder().setName("Config"))
                    .build();
            FORWARD_DOWNSTREAM_SNI = FileDescriptor.buildFrom(forwardSni, new FileDescriptor[0])
                    .findMessageTypeByName("Config");
        } catch (DescriptorValidationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private IstioProtos() {
    }

    private static FieldDescriptorProto.Builder field(String name, int number, Type type) {
        return field(name, number, type, Label.LABEL_OPTIONAL, null);
    }

    private static FieldDescriptorProto.Builder field(String name, int number, Type type, Label label, String typeName) {
        FieldDescriptorProto.Builder b = FieldDescriptorProto.newBuilder().setName(name).setNumber(number)
                .setType(type).setLabel(label).setJsonName(jsonName(name));
        if (typeName != null) {
            b.setTypeName(typeName);
        }
        return b;
    }

    private static FieldDescriptorProto.Builder oneof(FieldDescriptorProto.Builder f) {
        return f.setOneofIndex(0);
    }

    private static DescriptorProto.Builder mapEntry(String name) {
        return DescriptorProto.newBuilder().setName(name)
                .setOptions(MessageOptions.newBuilder().setMapEntry(true))
                .addField(field("key", 1, Type.TYPE_STRING))
                .addField(field("value", 2, Type.TYPE_STRING));
    }

    private static EnumDescriptorProto.Builder enumType(String name, String... values) {
        EnumDescriptorProto.Builder b = EnumDescriptorProto.newBuilder().setName(name);
        for (int i = 0; i < values.length; i++) {
            b.addValue(EnumValueDescriptorProto.newBuilder().setName(values[i]).setNumber(i));
        }
        return b;
    }

    private static String jsonName(String name) {
        StringBuilder sb = new StringBuilder();
        boolean up = false;
        for (char c : name.toCharArray()) {
            if (c == '_') {
                up = true;
            } else {
                sb.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- reading DynamicMessages

    public static String string(Message m, String field) {
        return (String) m.getField(m.getDescriptorForType().findFieldByName(field));
    }

    public static boolean bool(Message m, String field) {
        return (Boolean) m.getField(m.getDescriptorForType().findFieldByName(field));
    }

    public static int int32(Message m, String field) {
        return (Integer) m.getField(m.getDescriptorForType().findFieldByName(field));
    }

    public static boolean has(Message m, String field) {
        return m.hasField(m.getDescriptorForType().findFieldByName(field));
    }

    /** An enum field's value name ("SERVER_GATEWAY"), or its number when unknown to the descriptor. */
    public static String enumName(Message m, String field) {
        Object v = m.getField(m.getDescriptorForType().findFieldByName(field));
        return v instanceof com.google.protobuf.Descriptors.EnumValueDescriptor e ? e.getName() : String.valueOf(v);
    }

    public static Message message(Message m, String field) {
        return (Message) m.getField(m.getDescriptorForType().findFieldByName(field));
    }

    @SuppressWarnings("unchecked")
    public static <T> List<T> repeated(Message m, String field) {
        return new ArrayList<>((List<T>) m.getField(m.getDescriptorForType().findFieldByName(field)));
    }

    /** A google.protobuf.Duration field in milliseconds, or {@code dflt} when unset. */
    public static long millis(Message m, String field, long dflt) {
        if (!has(m, field)) {
            return dflt;
        }
        Message d = message(m, field);
        long seconds = (Long) d.getField(d.getDescriptorForType().findFieldByName("seconds"));
        int nanos = (Integer) d.getField(d.getDescriptorForType().findFieldByName("nanos"));
        return seconds * 1000 + nanos / 1_000_000;
    }

    /** Every descriptor above, for {@link io.remora.extensions.Extension#descriptors()}. */
    public static List<Descriptor> all() {
        return List.of(PLUGIN_CONFIG, METADATA_EXCHANGE, ALPN, PEER_METADATA, AUTHN, CONNECT_AUTHORITY, CONNECT_BAGGAGE,
                FORWARD_DOWNSTREAM_SNI);
    }
}
