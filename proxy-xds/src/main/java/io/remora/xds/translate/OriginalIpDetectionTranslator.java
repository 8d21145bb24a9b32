package io.remora.xds.translate;

import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.http.original_ip_detection.custom_header.v3.CustomHeaderConfig;
import io.envoyproxy.envoy.extensions.http.original_ip_detection.xff.v3.XffConfig;
import io.remora.config.OriginalIpDetection;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code original_ip_detection_extensions}: Envoy's XFF and custom header extensions. Any other
 * type is refused, since the address it would find decides RBAC and rate limits.
 */
final class OriginalIpDetectionTranslator {

    private static final String XFF = "envoy.extensions.http.original_ip_detection.xff.v3.XffConfig";
    private static final String CUSTOM_HEADER =
            "envoy.extensions.http.original_ip_detection.custom_header.v3.CustomHeaderConfig";

    private OriginalIpDetectionTranslator() {
    }

    static List<OriginalIpDetection> translate(HttpConnectionManager h, FieldPath hcmPath) {
        FieldPath path = hcmPath.field("original_ip_detection_extensions");
        if (h.getOriginalIpDetectionExtensionsCount() == 0) {
            return List.of();
        }
        // As Envoy's HttpConnectionManagerConfig: the extensions replace the HCM's own XFF rules.
        if (h.hasUseRemoteAddress() && h.getUseRemoteAddress().getValue()) {
            throw path.error("original IP detection extensions and use_remote_address may not be mixed");
        }
        if (h.getXffNumTrustedHops() > 0) {
            throw path.error("original IP detection extensions and xff_num_trusted_hops may not be mixed");
        }
        List<OriginalIpDetection> out = new ArrayList<>();
        for (int i = 0; i < h.getOriginalIpDetectionExtensionsCount(); i++) {
            var e = h.getOriginalIpDetectionExtensions(i);
            FieldPath tp = path.index(i).field("typed_config");
            String type = Protos.typeName(e.getTypedConfig());
            if (XFF.equals(type)) {
                out.add(xff(Protos.unpack(e.getTypedConfig(), XffConfig.class, tp), tp));
            } else if (CUSTOM_HEADER.equals(type)) {
                out.add(customHeader(Protos.unpack(e.getTypedConfig(), CustomHeaderConfig.class, tp), tp));
            } else {
                throw tp.error("original IP detection extension '" + type + "' is not supported; only "
                        + XFF + " and " + CUSTOM_HEADER);
            }
        }
        return out;
    }

    private static OriginalIpDetection xff(XffConfig c, FieldPath path) {
        if (c.hasXffTrustedCidrs() && c.getXffNumTrustedHops() > 0) {
            throw path.field("xff_trusted_cidrs").error("cannot set both xff_num_trusted_hops and xff_trusted_cidrs");
        }
        var cidrs = FilterChainTranslator.cidrs(c.getXffTrustedCidrs().getCidrsList(),
                path.field("xff_trusted_cidrs").field("cidrs"));
        return new OriginalIpDetection.Xff(c.getXffNumTrustedHops(), cidrs,
                !c.hasSkipXffAppend() || c.getSkipXffAppend().getValue());
    }

    private static OriginalIpDetection customHeader(CustomHeaderConfig c, FieldPath path) {
        String name = c.getHeaderName();
        // The proto's rule (HTTP_HEADER_NAME, not strict): not empty, no NUL, CR or LF.
        if (name.isEmpty() || name.indexOf('\0') >= 0 || name.indexOf('\r') >= 0 || name.indexOf('\n') >= 0) {
            throw path.field("header_name").error("must be a valid HTTP header name");
        }
        int status = 0;
        if (c.hasRejectWithStatus()) {
            int code = c.getRejectWithStatus().getCodeValue();
            // Envoy's toErrorCode: anything outside 400..511 becomes 403.
            status = code >= 400 && code <= 511 ? code : 403;
        }
        return new OriginalIpDetection.CustomHeader(name.toLowerCase(Locale.ROOT),
                c.getAllowExtensionToSetAddressAsTrusted(), status);
    }
}
