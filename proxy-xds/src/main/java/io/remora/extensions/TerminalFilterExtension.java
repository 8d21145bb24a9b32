package io.remora.extensions;

import io.remora.config.NetworkFilterConfig;
import io.remora.network.NetworkFilterFactory;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

/**
 * A terminal network filter (tcp_proxy, http_connection_manager): the last filter of a chain,
 * which takes the connection over.
 *
 * @param <C> the filter's immutable config record
 */
public interface TerminalFilterExtension<C extends NetworkFilterConfig> extends Extension {

    C translate(TypedConfig config, FieldPath path, TranslationContext ctx);

    NetworkFilterFactory<C> runtime();
}
