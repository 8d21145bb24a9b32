package io.remora.config;

/**
 * One entry of {@code match_typed_subject_alt_names} (a SAN type and a string matcher), or of
 * the legacy {@code match_subject_alt_names} (type ANY: DNS, URI, email and IP SANs all tried).
 */
public record SanMatcher(Type type, StringMatcher matcher) {
    public enum Type { ANY, DNS, URI, EMAIL, IP_ADDRESS }
}
