package io.remora.extensions.geoip_providers.maxmind;

import io.envoyproxy.envoy.extensions.geoip_providers.common.v3.CommonGeoipProviderConfig.GeolocationHeadersToAdd;
import io.envoyproxy.envoy.extensions.geoip_providers.maxmind.v3.MaxMindConfig;
import io.remora.xds.translate.FieldPath;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** Translates {@code MaxMindConfig}: validates the paths and header names as Envoy's proto rules do, and opens the files. */
public final class MaxMindTranslator {
    public static final String TYPE = "envoy.extensions.geoip_providers.maxmind.v3.MaxMindConfig";
    private static final Pattern MMDB_PATH = Pattern.compile("^$|^.*\\.mmdb$");
    /** protoc-gen-validate's well_known_regex HTTP_HEADER_NAME. */
    private static final Pattern HEADER_NAME = Pattern.compile("^:?[0-9a-zA-Z!#$%&'*+\\-.^_|~`]+$");

    private MaxMindTranslator() {
    }

    public static MaxMindProviderConfig translate(MaxMindConfig c, FieldPath path) {
        FieldPath common = path.field("common_provider_config");
        if (!c.hasCommonProviderConfig()) {
            throw common.error("missing required field");
        }
        FieldPath hp = common.field("geo_headers_to_add");
        if (!c.getCommonProviderConfig().hasGeoHeadersToAdd()) {
            throw hp.error("missing required field");
        }
        Map<String, String> headers = headers(c.getCommonProviderConfig().getGeoHeadersToAdd(), hp);
        String[] paths = {c.getCityDbPath(), c.getIspDbPath(), c.getAnonDbPath(), c.getAsnDbPath()};
        String[] fields = {"city_db_path", "isp_db_path", "anon_db_path", "asn_db_path"};
        for (int i = 0; i < paths.length; i++) {
            if (!MMDB_PATH.matcher(paths[i]).matches()) {
                throw path.field(fields[i]).error("value does not match regex pattern \"^$|^.*\\.mmdb$\"");
            }
        }
        if (paths[0].isEmpty() && paths[1].isEmpty() && paths[2].isEmpty() && paths[3].isEmpty()) {
            throw path.error("At least one geolocation database path needs to be configured: "
                    + "city_db_path, isp_db_path, asn_db_path or anon_db_path");
        }
        GeolocationHeadersToAdd h = c.getCommonProviderConfig().getGeoHeadersToAdd();
        requireDb(hp, paths[0].isEmpty(), "city_db_path", "country", h.getCountry(), "city", h.getCity(),
                "region", h.getRegion());
        requireDb(hp, paths[2].isEmpty(), "anon_db_path", "anon", h.getAnon(), "is_anon", h.getIsAnon(),
                "anon_vpn", h.getAnonVpn(), "anon_hosting", h.getAnonHosting(), "anon_tor", h.getAnonTor(),
                "anon_proxy", h.getAnonProxy());
        requireDb(hp, paths[1].isEmpty(), "isp_db_path", "isp", h.getIsp(), "apple_private_relay",
                h.getApplePrivateRelay());
        requireDb(hp, paths[3].isEmpty() && paths[1].isEmpty(), "asn_db_path or isp_db_path", "asn", h.getAsn());
        return new MaxMindProviderConfig(open(paths[0], "city_db", path.field(fields[0])),
                open(paths[1], "isp_db", path.field(fields[1])), open(paths[2], "anon_db", path.field(fields[2])),
                open(paths[3], "asn_db", path.field(fields[3])), headers);
    }

    private static Map<String, String> headers(GeolocationHeadersToAdd h, FieldPath hp) {
        Map<String, String> m = new LinkedHashMap<>();
        put(m, hp, "country", h.getCountry());
        put(m, hp, "city", h.getCity());
        put(m, hp, "region", h.getRegion());
        put(m, hp, "asn", h.getAsn());
        // is_anon is the deprecated name of anon, used when anon is not set.
        if (h.getAnon().isEmpty()) {
            put(m, hp, "anon", "is_anon", h.getIsAnon());
        } else {
            put(m, hp, "anon", h.getAnon());
        }
        put(m, hp, "anon_vpn", h.getAnonVpn());
        put(m, hp, "anon_hosting", h.getAnonHosting());
        put(m, hp, "anon_tor", h.getAnonTor());
        put(m, hp, "anon_proxy", h.getAnonProxy());
        put(m, hp, "isp", h.getIsp());
        put(m, hp, "apple_private_relay", h.getApplePrivateRelay());
        return m;
    }

    private static void put(Map<String, String> m, FieldPath hp, String field, String header) {
        put(m, hp, field, field, header);
    }

    private static void put(Map<String, String> m, FieldPath hp, String key, String field, String header) {
        if (header.isEmpty()) {
            return;
        }
        if (!HEADER_NAME.matcher(header).matches()) {
            throw hp.field(field).error("value does not match the HTTP header name pattern");
        }
        m.put(key, header.toLowerCase(Locale.ROOT));
    }

    /** A field whose database is not configured would fail every lookup (Envoy asserts): refused here. */
    private static void requireDb(FieldPath hp, boolean missing, String db, String... fieldsAndHeaders) {
        for (int i = 0; missing && i < fieldsAndHeaders.length; i += 2) {
            if (!fieldsAndHeaders[i + 1].isEmpty()) {
                throw hp.field(fieldsAndHeaders[i]).error("looking up " + fieldsAndHeaders[i] + " needs " + db
                        + " to be configured");
            }
        }
    }

    private static MaxMindDatabase open(String file, String kind, FieldPath fp) {
        if (file.isEmpty()) {
            return null;
        }
        try {
            return MaxMindDatabase.open(kind, Path.of(file));
        } catch (MmdbException | RuntimeException e) {
            throw fp.error(e.getMessage());
        }
    }
}
