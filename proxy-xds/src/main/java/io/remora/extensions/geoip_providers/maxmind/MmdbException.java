package io.remora.extensions.geoip_providers.maxmind;

/** A MaxMind DB file that does not follow the format: bad metadata, a search tree or data out of bounds. */
public final class MmdbException extends Exception {
    public MmdbException(String message) {
        super(message);
    }
}
