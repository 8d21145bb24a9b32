package io.remora.extensions.filters.istio.common;

import java.util.Map;

/**
 * One workload as Istio's telemetry sees it (istio-proxy's {@code WorkloadMetadataObject}): what a
 * peer sent in the metadata exchange, or this proxy's own node metadata. Stored in filter state
 * under {@code wasm.downstream_peer} / {@code wasm.upstream_peer} (and the newer
 * {@code downstream_peer} / {@code upstream_peer}) for the stats filter to read. Empty strings
 * stand for "absent" (the stats filter prints {@code unknown} for them).
 *
 * @param labels every label of the workload (LABELS), for additional labels and baggage
 */
public record WorkloadMetadata(String instanceName, String clusterName, String namespaceName, String workloadName,
                               String canonicalName, String canonicalRevision, String appName, String appVersion,
                               String owner, Map<String, String> labels)
        implements io.remora.extensions.cel.CelFields {

    public static final String CANONICAL_NAME_LABEL = "service.istio.io/canonical-name";
    public static final String CANONICAL_REVISION_LABEL = "service.istio.io/canonical-revision";

    public static final WorkloadMetadata EMPTY = new WorkloadMetadata("", "", "", "", "", "", "", "", "", Map.of());

    /**
     * From node metadata (the bootstrap's {@code node.metadata}, or the Struct a peer sent):
     * NAME, NAMESPACE, CLUSTER_ID, WORKLOAD_NAME, OWNER and LABELS ({@code app}/{@code version},
     * else their {@code app.kubernetes.io/} forms, and the canonical service labels).
     */
    public static WorkloadMetadata fromNodeMetadata(Map<String, ?> metadata) {
        if (metadata == null || metadata.isEmpty()) {
            return EMPTY;
        }
        Map<String, String> labels = new java.util.LinkedHashMap<>();
        if (metadata.get("LABELS") instanceof Map<?, ?> m) {
            m.forEach((k, v) -> {
                if (v instanceof String s) {
                    labels.put(String.valueOf(k), s);
                }
            });
        }
        String app = first(labels, "app", "app.kubernetes.io/name");
        String version = first(labels, "version", "app.kubernetes.io/version");
        return new WorkloadMetadata(str(metadata, "NAME"), str(metadata, "CLUSTER_ID"), str(metadata, "NAMESPACE"),
                str(metadata, "WORKLOAD_NAME"), labels.getOrDefault(CANONICAL_NAME_LABEL, ""),
                labels.getOrDefault(CANONICAL_REVISION_LABEL, ""), app, version, str(metadata, "OWNER"),
                Map.copyOf(labels));
    }

    /**
     * From Istio's endpoint telemetry encoding ({@code filter_metadata.istio.workload} of an
     * endpoint): {@code workload;namespace;canonical-service;canonical-revision;cluster}.
     */
    public static WorkloadMetadata fromEndpointEncoding(String encoding) {
        String[] parts = encoding.split(";", -1);
        if (parts.length < 5) {
            return null;
        }
        return new WorkloadMetadata("", parts[4], parts[1], parts[0], parts[2], parts[3], "", "", "", Map.of());
    }

    /**
     * From a W3C {@code baggage} header as Istio writes it ({@code k8s.namespace.name},
     * {@code k8s.cluster.name}, {@code service.name}, {@code service.version}, {@code app.name},
     * {@code app.version}, {@code k8s.<type>.name}, {@code k8s.instance.name}); null when it names
     * nothing Istio knows.
     */
    public static WorkloadMetadata fromBaggage(String baggage) {
        String ns = "", cluster = "", service = "", revision = "", app = "", version = "", workload = "", instance = "";
        for (String member : baggage.split(",")) {
            int semi = member.indexOf(';');
            String kv = semi >= 0 ? member.substring(0, semi) : member;
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String k = kv.substring(0, eq).trim();
            String v = java.net.URLDecoder.decode(kv.substring(eq + 1).trim(), java.nio.charset.StandardCharsets.UTF_8);
            switch (k) {
                case "k8s.namespace.name" -> ns = v;
                case "k8s.cluster.name" -> cluster = v;
                case "service.name" -> service = v;
                case "service.version" -> revision = v;
                case "app.name" -> app = v;
                case "app.version" -> version = v;
                case "k8s.deployment.name", "k8s.pod.name", "k8s.job.name", "k8s.cronjob.name" -> workload = v;
                case "k8s.instance.name" -> instance = v;
                default -> {
                    // other baggage members belong to the application
                }
            }
        }
        if (ns.isEmpty() && workload.isEmpty() && service.isEmpty()) {
            return null;
        }
        return new WorkloadMetadata(instance, cluster, ns, workload, service, revision, app, version, "", Map.of());
    }

    private static String first(Map<String, String> labels, String a, String b) {
        String v = labels.get(a);
        return v != null ? v : labels.getOrDefault(b, "");
    }

    private static String str(Map<String, ?> m, String key) {
        return m.get(key) instanceof String s ? s : "";
    }

    /**
     * The workload's kind from its OWNER ({@code .../deployments/<workload>}: "deployment"), as
     * istio-proxy derives it; "" when the owner does not end in the workload.
     */
    public String workloadType() {
        String suffix = "s/" + workloadName;
        if (workloadName.isEmpty() || !owner.endsWith(suffix)) {
            return "";
        }
        String head = owner.substring(0, owner.length() - suffix.length());
        String type = head.substring(head.lastIndexOf('/') + 1);
        return switch (type) {
            case "pod", "deployment", "job", "cronjob" -> type;
            default -> "";
        };
    }

    /** The fields istio-proxy's peer object gives CEL ({@code upstream_peer.service}, {@code .labels}). */
    @Override
    public Map<String, Object> celFields() {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("type", workloadType());
        m.put("workload", workloadName);
        m.put("name", instanceName);
        m.put("cluster", clusterName);
        m.put("namespace", namespaceName);
        m.put("service", canonicalName);
        m.put("revision", canonicalRevision);
        m.put("app", appName);
        m.put("version", appVersion);
        m.put("labels", labels == null ? Map.of() : labels);
        return m;
    }

    /**
     * istio-proxy's {@code serializeAsString}: {@code type=deployment,workload=ratings-v1,name=...,
     * cluster=...,namespace=...,service=...,revision=...,app=...,version=...}, empty fields left out
     * (what {@code %FILTER_STATE(wasm.downstream_peer)%} prints).
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        pair(sb, "type", workloadType());
        pair(sb, "workload", workloadName);
        pair(sb, "name", instanceName);
        pair(sb, "cluster", clusterName);
        pair(sb, "namespace", namespaceName);
        pair(sb, "service", canonicalName);
        pair(sb, "revision", canonicalRevision);
        pair(sb, "app", appName);
        pair(sb, "version", appVersion);
        return sb.toString();
    }

    private static void pair(StringBuilder sb, String k, String v) {
        if (!v.isEmpty()) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(k).append('=').append(v);
        }
    }
}
