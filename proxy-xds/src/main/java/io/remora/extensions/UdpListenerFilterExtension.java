package io.remora.extensions;

import io.remora.config.UdpListenerFilterConfig;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

/**
 * A UDP listener filter ({@code envoy.filters.udp_listener}), the filter of a listener whose
 * address is UDP. The core runs udp_proxy and the DNS filter, so the translation yields one of their configs.
 */
public interface UdpListenerFilterExtension extends Extension {

    /** @param config null when the filter was named without a typed_config */
    UdpListenerFilterConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx);
}
