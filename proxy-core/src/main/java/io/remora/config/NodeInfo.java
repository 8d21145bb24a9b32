package io.remora.config;

import java.util.Map;

/** {@code config.core.v3.Node}: who this proxy is, as reported to a control plane and on /server_info. */
public record NodeInfo(String id, String cluster, Map<String, Object> metadata,
                       String region, String zone, String subZone) {
    public static NodeInfo of(String id, String cluster) {
        return new NodeInfo(id, cluster, Map.of(), "", "", "");
    }
}
