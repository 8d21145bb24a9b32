package io.remora.stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The proxy_protocol listener filter's stats, in the root scope as Envoy's filter config takes the
 * listener factory's global scope: {@code proxy_proto.[<stat_prefix>.]not_found_allowed},
 * {@code not_found_disallowed}, {@code versions.v<1|2>.found}, {@code disallowed} and {@code error}
 * (Envoy's tag extractors make the prefix {@code envoy_proxy_protocol_prefix} and the version
 * {@code envoy_proxy_protocol_version}), and the legacy {@code downstream_cx_proxy_proto_error}.
 * Listeners with the same prefix share them.
 */
public final class ProxyProtocolStats {
    public static final String PREFIX_TAG = "envoy_proxy_protocol_prefix";
    public static final String VERSION_TAG = "envoy_proxy_protocol_version";
    private static final String SCOPE = "proxy_proto_";

    /** A header was missing where one is required, or the bytes were not one (Envoy's errors before a version is known). */
    public final Counter notFoundDisallowed;
    /** No header, and allow_requests_without_proxy_protocol let the connection go on. */
    public final Counter notFoundAllowed;
    /** Every connection closed for an error (not for a disallowed version): the legacy root counter. */
    public final Counter legacyError;
    private final Version v1;
    private final Version v2;

    /** One version's counters. */
    public static final class Version {
        public final Counter found;
        public final Counter disallowed;
        public final Counter error;

        private Version(MeterRegistry r, String prefix, int version) {
            found = counter(r, "found", prefix, version);
            disallowed = counter(r, "disallowed", prefix, version);
            error = counter(r, "error", prefix, version);
        }
    }

    ProxyProtocolStats(MeterRegistry r, String prefix) {
        notFoundAllowed = counter(r, "not_found_allowed", prefix, 0);
        notFoundDisallowed = counter(r, "not_found_disallowed", prefix, 0);
        legacyError = Counter.builder("envoy_downstream_cx_proxy_proto_error").register(r);
        v1 = new Version(r, prefix, 1);
        v2 = new Version(r, prefix, 2);
    }

    /** Version 1's or 2's counters. */
    public Version version(int version) {
        return version == 1 ? v1 : v2;
    }

    private static Counter counter(MeterRegistry r, String stat, String prefix, int version) {
        Counter.Builder b = Counter.builder("envoy_proxy_proto_" + stat);
        if (prefix != null && !prefix.isEmpty()) {
            b.tag(PREFIX_TAG, prefix);
        }
        if (version > 0) {
            b.tag(VERSION_TAG, Integer.toString(version));
        }
        return b.register(r);
    }

    /** {@code proxy_proto.[<prefix>.][versions.v<n>.]<stat>} for this filter's meters; null for others. */
    static String dottedName(Meter.Id id, String rest) {
        if (!rest.startsWith(SCOPE)) {
            return null;
        }
        String prefix = id.getTag(PREFIX_TAG);
        String version = id.getTag(VERSION_TAG);
        return "proxy_proto." + (prefix == null ? "" : prefix + ".") + (version == null ? "" : "versions.v" + version + ".")
                + rest.substring(SCOPE.length());
    }
}
