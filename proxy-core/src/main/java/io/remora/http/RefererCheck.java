package io.remora.http;

/**
 * Envoy's Referer sanitizing (mutateRequestHeaders, Utility::isValidRefererValue): a request's
 * Referer that is neither an absolute URL without fragment or userinfo, as http_parser's URL
 * parser takes one, nor a relative reference of RFC 3986 characters is removed, as is a second one.
 */
final class RefererCheck {

    private RefererCheck() {
    }

    static boolean valid(CharSequence v) {
        int schemeEnd = 0;
        while (schemeEnd < v.length() && isAlpha(v.charAt(schemeEnd))) {
            schemeEnd++;
        }
        if (schemeEnd > 0 && startsWith(v, schemeEnd, "://")) {
            return absolute(v, schemeEnd + 3);
        }
        // A relative reference: no ':' before the first '/', query and fragment characters only.
        boolean seenSlash = false;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == ':') {
                if (!seenSlash) {
                    return false;
                }
            } else if (c == '/') {
                seenSlash = true;
            } else if (!queryOrFragmentChar(c)) {
                return false;
            }
        }
        return true;
    }

    /** http_parser_parse_url's (non-strict) absolute form, with no userinfo and no fragment. */
    private static boolean absolute(CharSequence v, int from) {
        int end = from;
        while (end < v.length() && v.charAt(end) != '/' && v.charAt(end) != '?') {
            end++;
        }
        if (!host(v, from, end)) {
            return false;
        }
        for (int i = end; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '#' || (c < 0x80 && (c <= ' ' || c == 0x7f) && c != '\t' && c != '\f')) {
                return false; // a fragment, or no URL character
            }
        }
        return true;
    }

    /** host [":" port]: a name of letters, digits, '.', '-' and '_', or a bracketed IPv6 address. */
    private static boolean host(CharSequence v, int from, int end) {
        int i = from;
        if (i < end && v.charAt(i) == '[') {
            i++;
            int start = i;
            while (i < end && (Character.digit(v.charAt(i), 16) >= 0 || v.charAt(i) == ':' || v.charAt(i) == '.')) {
                i++;
            }
            if (i == start) {
                return false;
            }
            if (i < end && v.charAt(i) == '%') {
                int zone = ++i;
                while (i < end && (isAlnum(v.charAt(i)) || "-._~%".indexOf(v.charAt(i)) >= 0)) {
                    i++;
                }
                if (i == zone) {
                    return false;
                }
            }
            if (i >= end || v.charAt(i) != ']') {
                return false;
            }
            i++;
        } else {
            int start = i;
            while (i < end && (isAlnum(v.charAt(i)) || v.charAt(i) == '.' || v.charAt(i) == '-' || v.charAt(i) == '_')) {
                i++;
            }
            if (i == start) {
                return false;
            }
        }
        if (i == end) {
            return true;
        }
        if (v.charAt(i) != ':' || i + 1 == end) {
            return false;
        }
        long port = 0;
        for (i++; i < end; i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9' || (port = port * 10 + (c - '0')) > 0xffff) {
                return false;
            }
        }
        return true;
    }

    /** RFC 3986's query and fragment characters: pchar, '/' and '?' ('%' alone counted). */
    private static boolean queryOrFragmentChar(char c) {
        return isAlnum(c) || "/?:@-._~%!$&'()*+,;=".indexOf(c) >= 0;
    }

    private static boolean startsWith(CharSequence v, int at, String s) {
        if (v.length() - at < s.length()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (v.charAt(at + i) != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAlpha(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isAlnum(char c) {
        return isAlpha(c) || (c >= '0' && c <= '9');
    }
}
