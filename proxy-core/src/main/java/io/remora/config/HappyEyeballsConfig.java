package io.remora.config;

/**
 * {@code upstream_connection_options.happy_eyeballs_config}: the order in which a host's addresses
 * are tried (RFC 8305 section 4, as Envoy sorts them).
 *
 * @param firstFamily      the family tried first; {@link Family#DEFAULT}: the primary address's
 * @param firstFamilyCount how many addresses of that family go before each address of another
 *                         family (Envoy's default 1)
 */
public record HappyEyeballsConfig(Family firstFamily, int firstFamilyCount) {
    /** What Envoy uses when the cluster sets no config: the primary's family first, one at a time. */
    public static final HappyEyeballsConfig DEFAULT = new HappyEyeballsConfig(Family.DEFAULT, 1);

    public HappyEyeballsConfig {
        firstFamily = firstFamily == null ? Family.DEFAULT : firstFamily;
        firstFamilyCount = Math.max(1, firstFamilyCount);
    }

    /** {@code FirstAddressFamilyVersion}. */
    public enum Family { DEFAULT, V4, V6 }
}
