package io.remora.extensions;

import io.remora.config.NetworkFilterConfig;
import io.remora.network.ConnectionFilterFactory;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

/**
 * A non-terminal network filter (RBAC, rate limit, metadata exchange...): its config translator
 * and its per-connection runtime.
 *
 * @param <C> the filter's immutable config record
 */
public interface NetworkFilterExtension<C extends NetworkFilterConfig> extends Extension {

    /** @param config null when the filter was named without a typed_config */
    C translate(TypedConfig config, FieldPath path, TranslationContext ctx);

    ConnectionFilterFactory.Provider<C> runtime();
}
