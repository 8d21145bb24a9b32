package io.remora.extensions;

import io.remora.config.NetworkFilterConfig;
import io.remora.network.ConnectionFilterFactory;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

/**
 * An upstream network filter (Envoy's {@code envoy.filters.upstream_network} category, a cluster's
 * {@code filters}): it runs on each connection to the cluster's hosts, reads being what the host
 * sends and writes what goes to it. It is indexed apart from the listener filters, since one
 * name and config message may have both forms (Istio's {@code istio.metadata_exchange}).
 *
 * @param <C> the filter's immutable config record; its class picks the runtime
 */
public interface UpstreamNetworkFilterExtension<C extends NetworkFilterConfig> extends Extension {

    /** @param config null when the filter was named without a typed_config */
    C translate(TypedConfig config, FieldPath path, TranslationContext ctx);

    ConnectionFilterFactory.Provider<C> runtime();
}
