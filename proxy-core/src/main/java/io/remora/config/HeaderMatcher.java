package io.remora.config;

/**
 * {@code config.route.v3.HeaderMatcher}. Exactly one of stringMatch, presentMatch, rangeMatch is
 * set (the others null). A multi-valued header is matched against its values joined by ",".
 *
 * @param presentMatch     {@code present_match}: true matches when present, false when absent
 * @param rangeMatch       {@code range_match}: [start, end) on the integer value
 * @param treatMissingAsEmpty match an absent header as "" ({@code treat_missing_header_as_empty})
 */
public record HeaderMatcher(String name, StringMatcher stringMatch, Boolean presentMatch,
                            Range rangeMatch, boolean invert, boolean treatMissingAsEmpty) {

    public record Range(long start, long end) {
    }
}
