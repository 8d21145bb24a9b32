package io.remora.extensions;

import io.remora.config.UdpProxyConfig;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

/**
 * A UDP listener filter ({@code envoy.filters.udp_listener}), the filter of a listener whose
 * address is UDP. udp_proxy is the only one the core runs, so the translation yields its config.
 */
public interface UdpListenerFilterExtension extends Extension {

    /** @param config null when the filter was named without a typed_config */
    UdpProxyConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx);
}
