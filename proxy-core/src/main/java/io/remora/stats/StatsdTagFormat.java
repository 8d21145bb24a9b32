package io.remora.stats;

/**
 * How a statsd sink writes a metric's tags (Envoy's statsd TagFormat). NONE sends the full dotted
 * name without tags; the others send the tag-extracted name with the tags: DogStatsD after the
 * value ({@code name:1|c|#k:v,k2:v2}), Graphite after the name ({@code name;k=v;k2=v2:1|c}).
 */
public enum StatsdTagFormat {
    NONE(null, null, null, false),
    DOG_STATSD("|#", ":", ",", false),
    GRAPHITE(";", "=", ";", true);

    final String start;
    final String assign;
    final String separator;
    final boolean afterName;

    StatsdTagFormat(String start, String assign, String separator, boolean afterName) {
        this.start = start;
        this.assign = assign;
        this.separator = separator;
        this.afterName = afterName;
    }
}
