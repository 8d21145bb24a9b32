package io.remora.config;

/** {@code config.core.v3.CidrRange}: an address prefix, e.g. 10.0.0.0/8 or ::1/128. */
public record CidrRange(String addressPrefix, int prefixLen) {
}
