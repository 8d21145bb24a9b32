package io.remora.config;

/**
 * {@code config.route.v3.QueryParameterMatcher}: stringMatch set, or (stringMatch null) a presence
 * check: presentMatch true wants the parameter present, false wants it absent (Envoy's
 * {@code enable_new_query_param_present_match_behavior}, the default).
 */
public record QueryParameterMatcher(String name, StringMatcher stringMatch, boolean presentMatch) {
}
