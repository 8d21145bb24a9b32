package io.remora.stats;

import io.micrometer.core.instrument.Meter;

/**
 * Maps a meter (Envoy's Prometheus name plus extracted tags) back to Envoy's dotted stat name,
 * undoing Envoy's default tag extractors: {@code envoy_cluster_upstream_rq_xx{envoy_cluster_name="a",
 * envoy_response_code_class="2"}} is {@code cluster.a.upstream_rq_2xx}.
 */
public final class StatNames {

    public static final String RESPONSE_CODE_CLASS = "envoy_response_code_class";
    public static final String RESPONSE_CODE = "envoy_response_code";

    /** Envoy scopes, most specific first: {@code cluster_manager} must win over {@code cluster}. */
    private static final String[][] SCOPES = {
            {"cluster_manager", null},
            {"listener_manager", null},
            {"cluster", ClusterStats.TAG},
            {"http", HttpConnManagerStats.TAG},
            {"listener", ListenerStats.TAG},
            {"tcp", "envoy_tcp_prefix"},
            {"server", null},
            {"runtime", null},
    };

    private StatNames() {
    }

    /**
     * The dotted name with each tag value replaced by {@code <tag>}, e.g.
     * {@code cluster.<envoy_cluster_name>.upstream_rq_<envoy_response_code_class>xx}: the HELP text of a family.
     */
    public static String envoyTemplate(Meter.Id id) {
        java.util.List<io.micrometer.core.instrument.Tag> tags = new java.util.ArrayList<>();
        for (io.micrometer.core.instrument.Tag t : id.getTags()) {
            tags.add(io.micrometer.core.instrument.Tag.of(t.getKey(), "<" + t.getKey() + ">"));
        }
        return envoyName(id.replaceTags(tags));
    }

    public static String envoyName(Meter.Id id) {
        String name = id.getName();
        String rest = name.startsWith("envoy_") ? name.substring(6) : name;
        String codeClass = id.getTag(RESPONSE_CODE_CLASS);
        if (codeClass != null && rest.endsWith("_xx")) {
            rest = rest.substring(0, rest.length() - 2) + codeClass + "xx";
        }
        String code = id.getTag(RESPONSE_CODE);
        if (code != null) {
            rest = rest + "_" + code;
        }
        for (String[] scope : SCOPES) {
            String prefix = scope[0];
            if (rest.length() > prefix.length() && rest.startsWith(prefix) && rest.charAt(prefix.length()) == '_') {
                String stat = rest.substring(prefix.length() + 1);
                if (scope[1] == null) {
                    return prefix + "." + stat;
                }
                String value = id.getTag(scope[1]);
                if (value != null) {
                    return prefix + "." + value + "." + subScope(stat);
                }
            }
        }
        return rest;
    }

    /** Envoy's cluster sub-scopes: {@code outlier_detection.ejections_active}, {@code health_check.success}. */
    private static String subScope(String stat) {
        for (String sub : CLUSTER_SUB_SCOPES) {
            if (stat.startsWith(sub) && stat.length() > sub.length() && stat.charAt(sub.length()) == '_') {
                return sub + "." + stat.substring(sub.length() + 1);
            }
        }
        return stat;
    }

    private static final String[] CLUSTER_SUB_SCOPES = {"outlier_detection", "health_check"};
}
