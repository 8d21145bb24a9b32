package io.remora.config;

/**
 * One entry of a connection manager's {@code http_filters}.
 *
 * @param name     the configured name (typed_per_filter_config refers to it)
 * @param config   the filter's validated config
 * @param disabled {@code disabled: true}: runs only on routes whose per-filter config enables it
 */
public record HttpFilterEntry(String name, HttpFilterConfig config, boolean disabled) {

    /** An enabled filter under its config's canonical name. */
    public static HttpFilterEntry of(HttpFilterConfig config) {
        return new HttpFilterEntry(config.filterName(), config, false);
    }
}
