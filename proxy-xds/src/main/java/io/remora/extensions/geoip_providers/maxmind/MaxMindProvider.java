package io.remora.extensions.geoip_providers.maxmind;

import io.micrometer.core.instrument.Counter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Envoy's MaxMind geolocation provider: looks the client up in each configured database that a
 * configured field needs and sets that field's header to what the record holds (a string, a
 * non-zero uint32, a boolean). Counters per database, {@code <db>.total}, {@code .hit} (at least
 * one header from it), {@code .lookup_error} (a corrupt record, or an IPv6 client in an IPv4
 * database), {@code .db_reload_success} and {@code .db_reload_error}.
 */
public final class MaxMindProvider {
    private static final Logger LOG = Logger.getLogger(MaxMindProvider.class.getName());
    /** The ISP Envoy reports as {@code apple_private_relay: true}. */
    private static final String APPLE_PRIVATE_RELAY = "iCloud Private Relay";
    private static final String[] DB_STATS = {"total", "hit", "lookup_error", "db_reload_error", "db_reload_success"};
    private static final int TOTAL = 0;
    private static final int HIT = 1;
    private static final int LOOKUP_ERROR = 2;
    private static final int DB_RELOAD_ERROR = 3;
    private static final int DB_RELOAD_SUCCESS = 4;

    private record Field(AsciiString header, MmdbPath path, boolean applePrivateRelay) {
    }

    /** One database with the fields read from it and the index of its first counter. */
    private record Lookup(MaxMindDatabase db, Field[] fields, int stats) {
    }

    private final Lookup[] lookups;
    private final List<MaxMindDatabase> databases = new ArrayList<>();
    private final List<String> statNames = new ArrayList<>();
    private final List<Consumer<Boolean>> reloadListeners = new ArrayList<>();

    /** {@code firstStat}: where this provider's counters start in the array {@link #lookup} is given. */
    public MaxMindProvider(MaxMindProviderConfig c, int firstStat) {
        List<Lookup> l = new ArrayList<>();
        add(l, c.city(), firstStat, c, new String[][]{
            {"city", "city", "names", "en"}, {"region", "subdivisions", "0", "iso_code"},
            {"country", "country", "iso_code"}});
        add(l, c.asn(), firstStat, c, new String[][]{{"asn", "autonomous_system_number"}});
        add(l, c.anon(), firstStat, c, new String[][]{
            {"anon", "is_anonymous"}, {"anon_vpn", "is_anonymous_vpn"}, {"anon_hosting", "is_hosting_provider"},
            {"anon_tor", "is_tor_exit_node"}, {"anon_proxy", "is_public_proxy"}});
        // Without an ASN database the ISP database's autonomous_system_number answers asn.
        add(l, c.isp(), firstStat, c, c.asn() == null
                ? new String[][]{{"isp", "isp"}, {"apple_private_relay", "isp"}, {"asn", "autonomous_system_number"}}
                : new String[][]{{"isp", "isp"}, {"apple_private_relay", "isp"}});
        lookups = l.toArray(Lookup[]::new);
    }

    private void add(List<Lookup> l, MaxMindDatabase db, int firstStat, MaxMindProviderConfig c, String[][] specs) {
        if (db == null) {
            return;
        }
        int stats = firstStat + statNames.size();
        for (String s : DB_STATS) {
            statNames.add("envoy_http_maxmind_" + db.kind() + "_" + s);
        }
        databases.add(db);
        List<Field> fields = new ArrayList<>();
        for (String[] spec : specs) {
            String header = c.headers().get(spec[0]);
            if (header != null) {
                String[] path = new String[spec.length - 1];
                System.arraycopy(spec, 1, path, 0, path.length);
                fields.add(new Field(AsciiString.cached(header), new MmdbPath(path), spec[0].equals("apple_private_relay")));
            }
        }
        if (!fields.isEmpty()) {
            l.add(new Lookup(db, fields.toArray(Field[]::new), stats));
        }
    }

    /** The Prometheus names of this provider's counters, in the order {@link #lookup} indexes them. */
    public List<String> statNames() {
        return List.copyOf(statNames);
    }

    /**
     * Tells {@code onReload} the index (from this provider's first counter) of the reload counter
     * to increment on each reload of a database. The databases hold listeners weakly; this
     * provider holds them for as long as it is used.
     */
    public void onReload(ReloadCounter onReload) {
        for (int i = 0; i < databases.size(); i++) {
            int base = i * DB_STATS.length;
            Consumer<Boolean> l = ok -> onReload.reloaded(base + (ok ? DB_RELOAD_SUCCESS : DB_RELOAD_ERROR));
            reloadListeners.add(l);
            databases.get(i).addReloadListener(l);
        }
    }

    /** Told the index (from this provider's first counter) of the reload counter to increment. */
    public interface ReloadCounter {
        void reloaded(int statIndex);
    }

    public List<MaxMindDatabase> databases() {
        return List.copyOf(databases);
    }

    /** Looks {@code address} up and sets the headers found; {@code counters} holds this provider's from {@code firstStat}. */
    public void lookup(InetAddress address, Http2Headers headers, Counter[] counters) {
        byte[] raw = address.getAddress();
        for (Lookup l : lookups) {
            MmdbReader reader = l.db.reader();
            boolean hit = false;
            try {
                int record = reader.lookup(raw);
                if (record >= 0) {
                    for (Field f : l.fields) {
                        String v = reader.value(record, f.path);
                        if (f.applePrivateRelay) {
                            headers.set(f.header, APPLE_PRIVATE_RELAY.equals(v) ? "true" : "false");
                            hit = true;
                        } else if (v != null && !v.isEmpty()) {
                            headers.set(f.header, v);
                            hit = true;
                        }
                    }
                }
            } catch (MmdbException | InternalError e) {
                // InternalError: the JVM's report of a mapped file cut short under it (rewritten in
                // place rather than moved into place); the request goes on without the headers.
                counters[l.stats + LOOKUP_ERROR].increment();
                LOG.log(Level.FINE, "Maxmind " + l.db.kind() + " lookup failed", e);
            }
            if (hit) {
                counters[l.stats + HIT].increment();
            }
            counters[l.stats + TOTAL].increment();
        }
    }
}
