package io.remora.config;

/** {@code bootstrap.admin}: where the admin API listens; accessLogPath may be null. */
public record AdminConfig(Address address, String accessLogPath) {
}
