package io.remora.upstream;

/**
 * Envoy's {@code Host::HealthFlag} bits, in Envoy's order (which is also the order
 * {@code /clusters} prints them in).
 */
public enum HealthFlag {
    FAILED_ACTIVE_HC("/failed_active_hc"),
    FAILED_OUTLIER_CHECK("/failed_outlier_check"),
    FAILED_EDS_HEALTH("/failed_eds_health"),
    DEGRADED_ACTIVE_HC("/degraded_active_hc"),
    DEGRADED_EDS_HEALTH("/degraded_eds_health"),
    PENDING_DYNAMIC_REMOVAL("/pending_dynamic_removal"),
    PENDING_ACTIVE_HC("/pending_active_hc"),
    EXCLUDED_VIA_IMMEDIATE_HC_FAIL("/excluded_via_immediate_hc_fail"),
    ACTIVE_HC_TIMEOUT("/active_hc_timeout"),
    EDS_STATUS_DRAINING("/eds_status_draining");

    /** The text {@code /clusters} shows for the flag. */
    public final String text;
    public final int bit = 1 << ordinal();

    HealthFlag(String text) {
        this.text = text;
    }

    /** Flags that take a host out of the healthy set. */
    static final int UNHEALTHY = FAILED_ACTIVE_HC.bit | FAILED_OUTLIER_CHECK.bit | FAILED_EDS_HEALTH.bit
            | EDS_STATUS_DRAINING.bit | EXCLUDED_VIA_IMMEDIATE_HC_FAIL.bit;
    /**
     * Flags that exclude a host from the level's counts (Envoy's excludeBasedOnHealthFlag, less
     * PENDING_ACTIVE_HC, whose hosts are left out of the levels altogether).
     */
    static final int EXCLUDED = EXCLUDED_VIA_IMMEDIATE_HC_FAIL.bit | EDS_STATUS_DRAINING.bit;
    /** Flags that make a host degraded (used only when healthy hosts do not suffice). */
    static final int DEGRADED = DEGRADED_ACTIVE_HC.bit | DEGRADED_EDS_HEALTH.bit;

    /** Envoy's health_flags string: "healthy" or the set flags joined. */
    public static String describe(int flags) {
        if (flags == 0) {
            return "healthy";
        }
        StringBuilder sb = new StringBuilder();
        for (HealthFlag f : values()) {
            if ((flags & f.bit) != 0) {
                sb.append(f.text);
            }
        }
        return sb.toString();
    }
}
