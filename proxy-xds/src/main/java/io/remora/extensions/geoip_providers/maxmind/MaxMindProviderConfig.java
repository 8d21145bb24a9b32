package io.remora.extensions.geoip_providers.maxmind;

import java.util.Map;

/**
 * {@code envoy.geoip_providers.maxmind}'s {@code MaxMindConfig}, translated: the opened databases
 * (null when not configured) and, per geolocation field ({@code country}, {@code city},
 * {@code region}, {@code asn}, {@code anon}, {@code anon_vpn}, {@code anon_hosting},
 * {@code anon_tor}, {@code anon_proxy}, {@code isp}, {@code apple_private_relay}), the lower-cased
 * header it fills, in config order.
 */
public record MaxMindProviderConfig(MaxMindDatabase city, MaxMindDatabase isp, MaxMindDatabase anon,
                                    MaxMindDatabase asn, Map<String, String> headers) {
    public MaxMindProviderConfig {
        headers = Map.copyOf(headers);
    }
}
