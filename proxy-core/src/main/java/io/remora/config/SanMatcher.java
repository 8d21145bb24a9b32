package io.remora.config;

/**
 * One entry of {@code match_typed_subject_alt_names} (a SAN type and a string matcher), or of
 * the legacy {@code match_subject_alt_names} (type ANY: DNS, URI, email and IP SANs all tried).
 *
 * @param oid OTHER_NAME only: the otherName type-id (dotted) whose value is matched
 */
public record SanMatcher(Type type, StringMatcher matcher, String oid) {
    public enum Type { ANY, DNS, URI, EMAIL, IP_ADDRESS, OTHER_NAME }

    public SanMatcher(Type type, StringMatcher matcher) {
        this(type, matcher, null);
    }
}
