package io.remora.stats;

import io.micrometer.core.instrument.Meter;

/**
 * The mongo proxy's {@code mongo.<stat_prefix>.*} names. Its meters carry the whole prefix, the
 * command, the collection and the callsite as tags, from which the dotted name is put back
 * together: {@code mongo.<prefix>.op_query}, {@code mongo.<prefix>.cmd.<command>.total},
 * {@code mongo.<prefix>.collection.<collection>.query.total},
 * {@code mongo.<prefix>.collection.<collection>.callsite.<callsite>.query.total}. What Prometheus
 * shows is Envoy's default extraction from that dotted name (a prefix or collection with dots in
 * it keeps only its first part as the label, as Envoy's regexes take it).
 */
public final class MongoStatNames {

    public static final String PREFIX_TAG = "envoy_mongo_prefix";
    public static final String CMD_TAG = "envoy_mongo_cmd";
    public static final String COLLECTION_TAG = "envoy_mongo_collection";
    public static final String CALLSITE_TAG = "envoy_mongo_callsite";

    private MongoStatNames() {
    }

    /** Whether the meter is one of the mongo proxy's. */
    static boolean isMongo(Meter.Id id) {
        return id.getName().startsWith("envoy_mongo_") && id.getTag(PREFIX_TAG) != null;
    }

    /** The dotted name of a mongo proxy meter ({@code rest}: its name without {@code envoy_}), or null. */
    static String dottedName(Meter.Id id, String rest) {
        String prefix = id.getTag(PREFIX_TAG);
        if (prefix == null || !rest.startsWith("mongo_")) {
            return null;
        }
        String stat = rest.substring("mongo_".length());
        String cmd = id.getTag(CMD_TAG);
        if (cmd != null && stat.startsWith("cmd_")) {
            return "mongo." + prefix + ".cmd." + cmd + "." + stat.substring("cmd_".length());
        }
        String collection = id.getTag(COLLECTION_TAG);
        String callsite = id.getTag(CALLSITE_TAG);
        if (collection != null && callsite != null && stat.startsWith("collection_callsite_query_")) {
            return "mongo." + prefix + ".collection." + collection + ".callsite." + callsite + ".query."
                    + stat.substring("collection_callsite_query_".length());
        }
        if (collection != null && stat.startsWith("collection_query_")) {
            return "mongo." + prefix + ".collection." + collection + ".query." + stat.substring("collection_query_".length());
        }
        return "mongo." + prefix + "." + stat;
    }
}
