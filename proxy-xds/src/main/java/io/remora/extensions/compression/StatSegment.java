package io.remora.extensions.compression;

/** A configured name as one segment of a Prometheus metric name, sanitized as Envoy does. */
public final class StatSegment {

    private StatSegment() {
    }

    /** Anything outside {@code [a-zA-Z0-9_]} becomes {@code _}. */
    public static String of(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' ? c : '_');
        }
        return b.toString();
    }
}
