package io.remora.config;

/**
 * {@code config.route.v3.QueryParameterMatcher}: stringMatch set, or presentMatch true
 * (presence only).
 */
public record QueryParameterMatcher(String name, StringMatcher stringMatch, boolean presentMatch) {
}
