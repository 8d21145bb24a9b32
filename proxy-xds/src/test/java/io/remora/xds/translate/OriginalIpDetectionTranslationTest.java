package io.remora.xds.translate;

import io.remora.config.CidrRange;
import io.remora.config.OriginalIpDetection;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.remora.xds.translate.HcmHeaderOptionsTranslationTest.HCM;
import static io.remora.xds.translate.HcmHeaderOptionsTranslationTest.hcm;
import static io.remora.xds.translate.HcmHeaderOptionsTranslationTest.load;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** original_ip_detection_extensions: the two built, their defaults, and what is refused with its path. */
class OriginalIpDetectionTranslationTest {

    static final String XFF = "\"@type\": type.googleapis.com/envoy.extensions.http.original_ip_detection.xff.v3.XffConfig";
    static final String HEADER = "\"@type\": type.googleapis.com/envoy.extensions.http.original_ip_detection"
            + ".custom_header.v3.CustomHeaderConfig";

    static String extensions(String... typedConfigs) {
        StringBuilder b = new StringBuilder("original_ip_detection_extensions:\n");
        for (String t : typedConfigs) {
            b.append("- name: e\n  typed_config: { ").append(t).append(" }\n");
        }
        return b.toString();
    }

    static String error(String fields) {
        return assertThrows(TranslationException.class, () -> load(fields)).getMessage();
    }

    @Test
    void xffAndCustomHeaderInOrder() {
        var list = hcm(load(extensions(HEADER + ", header_name: X-Real-IP, reject_with_status: { code: Unauthorized }",
                XFF + ", xff_num_trusted_hops: 2",
                XFF + ", xff_trusted_cidrs: { cidrs: [{ address_prefix: 10.0.0.0, prefix_len: 8 }] },"
                        + " skip_xff_append: false",
                HEADER + ", header_name: x-ip, allow_extension_to_set_address_as_trusted: true,"
                        + " reject_with_status: { code: OK }"))).originalIpDetections();
        assertEquals(List.of(
                new OriginalIpDetection.CustomHeader("x-real-ip", false, 401),
                new OriginalIpDetection.Xff(2, List.of(), true),
                new OriginalIpDetection.Xff(0, List.of(new CidrRange("10.0.0.0", 8)), false),
                new OriginalIpDetection.CustomHeader("x-ip", true, 403)), list,
                "skip_xff_append defaults to true; a reject status outside 4xx/5xx becomes 403, as Envoy's toErrorCode");
        assertEquals(List.of(), hcm(load("")).originalIpDetections());
    }

    @Test
    void refusalsNameTheField() {
        String ext = HCM + ".original_ip_detection_extensions";
        String mixed = error("use_remote_address: true\n" + extensions(XFF));
        assertTrue(mixed.contains(ext) && mixed.contains("use_remote_address"), mixed);
        String hops = error("xff_num_trusted_hops: 1\n" + extensions(XFF));
        assertTrue(hops.contains(ext) && hops.contains("xff_num_trusted_hops"), hops);
        String both = error(extensions(XFF, XFF + ", xff_num_trusted_hops: 1,"
                + " xff_trusted_cidrs: { cidrs: [{ address_prefix: 10.0.0.0, prefix_len: 8 }] }"));
        assertTrue(both.contains(ext + "[1].typed_config.xff_trusted_cidrs"), both);
        String cidr = error(extensions(XFF + ", xff_trusted_cidrs: { cidrs: [{ address_prefix: corp }] }"));
        assertTrue(cidr.contains(ext + "[0].typed_config.xff_trusted_cidrs.cidrs[0]"), cidr);
        String name = error(extensions(HEADER));
        assertTrue(name.contains(ext + "[0].typed_config.header_name"), name);
        String other = error(extensions("\"@type\": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"));
        assertTrue(other.contains(ext + "[0].typed_config") && other.contains("not supported"), other);
    }
}
