package io.remora.stats;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /stats/recentlookups}: the stat scopes looked up by name since tracking was enabled
 * (clusters, connection managers and listeners bind their stats by name when config is built).
 * Off by default as in Envoy; {@code enable} keeps the 100 most recent names.
 */
public final class RecentLookups {

    /** Envoy's capacity once enabled from the admin. */
    public static final int CAPACITY = 100;

    private int capacity;
    private final LinkedHashMap<String, Long> recent = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > capacity;
        }
    };

    public synchronized void record(String name) {
        if (capacity > 0) {
            recent.merge(name, 1L, Long::sum);
        }
    }

    public synchronized void enable() {
        capacity = CAPACITY;
    }

    public synchronized void disable() {
        capacity = 0;
        recent.clear();
    }

    public synchronized void clear() {
        recent.clear();
    }

    public synchronized boolean enabled() {
        return capacity > 0;
    }

    /** Envoy's text: the table (count, name; by count, then name) and the total. */
    public synchronized String render() {
        List<Map.Entry<String, Long>> rows = new ArrayList<>(recent.entrySet());
        rows.sort(Map.Entry.<String, Long>comparingByValue().thenComparing(Map.Entry.comparingByKey()));
        StringBuilder table = new StringBuilder();
        long total = 0;
        for (Map.Entry<String, Long> e : rows) {
            String count = Long.toString(e.getValue());
            table.append(" ".repeat(Math.max(0, 8 - count.length()))).append(count).append(' ')
                    .append(e.getKey()).append('\n');
            total += e.getValue();
        }
        StringBuilder sb = new StringBuilder();
        if (table.length() == 0 && capacity == 0) {
            sb.append("Lookup tracking is not enabled. Use /stats/recentlookups/enable to enable.\n");
        } else {
            sb.append("   Count Lookup\n").append(table);
        }
        return sb.append("\ntotal: ").append(total).append('\n').toString();
    }
}
