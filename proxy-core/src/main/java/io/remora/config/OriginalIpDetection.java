package io.remora.config;

import java.util.List;

/**
 * One of the HCM's {@code original_ip_detection_extensions}: how the client's address is found
 * when {@code use_remote_address} is off. They run in order; the first that finds an address wins.
 */
public sealed interface OriginalIpDetection {

    /**
     * {@code envoy.extensions.http.original_ip_detection.xff.v3.XffConfig}.
     *
     * @param numTrustedHops {@code xff_num_trusted_hops}: the entry that many from the right of XFF
     * @param trustedCidrs {@code xff_trusted_cidrs.cidrs}: when not empty, the peer must be in them,
     *                     and the client is the rightmost XFF entry outside them (numTrustedHops unused)
     * @param skipXffAppend {@code skip_xff_append} (default true): false appends the peer to XFF
     *                      when this extension found the address
     */
    record Xff(int numTrustedHops, List<CidrRange> trustedCidrs, boolean skipXffAppend)
            implements OriginalIpDetection {
        public Xff {
            trustedCidrs = trustedCidrs == null ? List.of() : List.copyOf(trustedCidrs);
        }
    }

    /**
     * {@code envoy.extensions.http.original_ip_detection.custom_header.v3.CustomHeaderConfig}.
     *
     * @param headerName {@code header_name}, lower case
     * @param trusted {@code allow_extension_to_set_address_as_trusted}: the address may make the
     *                request internal (x-envoy-internal)
     * @param rejectStatus {@code reject_with_status}: the status that ends a request whose header is
     *                     missing or not an address; 0 to go on to the next extension
     */
    record CustomHeader(String headerName, boolean trusted, int rejectStatus) implements OriginalIpDetection {
    }
}
