package io.remora.rbac;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.remora.stats.HttpConnManagerStats;

/**
 * The RBAC filters' counters under Envoy's names: {@code http.<hcm_prefix>.rbac.<rules_stat_prefix>allowed}
 * (HTTP) and {@code <stat_prefix>.rbac.allowed} (network), shadow ones with the shadow prefix. In
 * Prometheus form Envoy's tag extractors make the leading dot-terminated segment of a rules prefix
 * the label {@code envoy_rbac_http_prefix}, and a network stat prefix the label
 * {@code envoy_rbac_prefix}; a prefix without a dot stays in the name
 * ({@code envoy_http_rbac_istio_dry_run_allow_shadow_allowed}). Bound once per filter config.
 */
public final class RbacStats {

    public static final String HTTP_PREFIX_TAG = "envoy_rbac_http_prefix";
    public static final String NETWORK_PREFIX_TAG = "envoy_rbac_prefix";

    public final Counter allowed;
    public final Counter denied;
    public final Counter shadowAllowed;
    public final Counter shadowDenied;

    private RbacStats(Counter allowed, Counter denied, Counter shadowAllowed, Counter shadowDenied) {
        this.allowed = allowed;
        this.denied = denied;
        this.shadowAllowed = shadowAllowed;
        this.shadowDenied = shadowDenied;
    }

    /** The HTTP filter's stats in the connection manager {@code hcmPrefix}. */
    public static RbacStats http(MeterRegistry r, String hcmPrefix, String rulesPrefix, String shadowPrefix) {
        Tags base = Tags.of(HttpConnManagerStats.TAG, hcmPrefix);
        return new RbacStats(
                counter(r, "envoy_http_rbac_", base, HTTP_PREFIX_TAG, rulesPrefix, "allowed"),
                counter(r, "envoy_http_rbac_", base, HTTP_PREFIX_TAG, rulesPrefix, "denied"),
                counter(r, "envoy_http_rbac_", base, HTTP_PREFIX_TAG, shadowPrefix, "shadow_allowed"),
                counter(r, "envoy_http_rbac_", base, HTTP_PREFIX_TAG, shadowPrefix, "shadow_denied"));
    }

    /** The network filter's stats under its {@code stat_prefix}. */
    public static RbacStats network(MeterRegistry r, String statPrefix, String shadowPrefix) {
        String p = statPrefix.endsWith(".") ? statPrefix.substring(0, statPrefix.length() - 1) : statPrefix;
        Tags base = Tags.of(NETWORK_PREFIX_TAG, p);
        return new RbacStats(
                counter(r, "envoy_rbac_", base, null, "", "allowed"),
                counter(r, "envoy_rbac_", base, null, "", "denied"),
                counter(r, "envoy_rbac_", base, null, shadowPrefix, "shadow_allowed"),
                counter(r, "envoy_rbac_", base, null, shadowPrefix, "shadow_denied"));
    }

    private static Counter counter(MeterRegistry r, String name, Tags tags, String prefixTag, String prefix,
                                   String stat) {
        String rest = prefix == null ? "" : prefix;
        int dot = rest.indexOf('.');
        if (prefixTag != null && dot > 0) {
            tags = tags.and(Tag.of(prefixTag, rest.substring(0, dot)));
            rest = rest.substring(dot + 1);
        }
        return Counter.builder(name + io.remora.stats.StatNames.sanitize(rest) + stat).tags(tags).register(r);
    }
}
