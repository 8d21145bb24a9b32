package io.remora.http.filter;

import io.remora.config.HttpFilterConfig;
import io.remora.server.ServerContext;

/**
 * Builds the per-stream instances of one configured HTTP filter. The config half (validated,
 * precompiled) is made once per connection manager; {@link #newFilter()} runs once per stream.
 */
public interface HttpFilterFactory {

    /** A fresh filter for one stream: a {@link StreamDecoderFilter}, a {@link StreamEncoderFilter} or both. */
    StreamFilterBase newFilter();

    /** Maps a filter config to its factory; one implementation per filter kind. */
    interface Provider<C extends HttpFilterConfig> {
        Class<C> configType();

        HttpFilterFactory create(C config, ServerContext context);
    }
}
