package io.remora.xds.translate;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.remora.config.NodeInfo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code config.core.v3.Node}; metadata becomes plain Java maps, lists, strings, doubles, booleans. */
public final class NodeTranslator {

    private NodeTranslator() {
    }

    public static NodeInfo translate(Node n, String idOverride, String clusterOverride) {
        String id = idOverride != null ? idOverride : n.getId();
        String cluster = clusterOverride != null ? clusterOverride : n.getCluster();
        return new NodeInfo(id, cluster, struct(n.getMetadata()), n.getLocality().getRegion(),
                n.getLocality().getZone(), n.getLocality().getSubZone());
    }

    static Map<String, Object> struct(Struct s) {
        Map<String, Object> out = new LinkedHashMap<>();
        s.getFieldsMap().forEach((k, v) -> out.put(k, value(v)));
        return Collections.unmodifiableMap(out);
    }

    static Object value(Value v) {
        return switch (v.getKindCase()) {
            case STRING_VALUE -> v.getStringValue();
            case NUMBER_VALUE -> v.getNumberValue();
            case BOOL_VALUE -> v.getBoolValue();
            case STRUCT_VALUE -> struct(v.getStructValue());
            case LIST_VALUE -> {
                List<Object> l = new ArrayList<>();
                v.getListValue().getValuesList().forEach(x -> l.add(value(x)));
                yield Collections.unmodifiableList(l);
            }
            default -> null;
        };
    }
}
