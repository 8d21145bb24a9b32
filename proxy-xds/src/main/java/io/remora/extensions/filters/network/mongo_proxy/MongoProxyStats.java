package io.remora.extensions.filters.network.mongo_proxy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.remora.stats.EnvoyBuckets;
import io.remora.stats.MongoStatNames;

import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Envoy's {@code mongo.<stat_prefix>.*}: the filter's counters and {@code op_query_active}, made
 * up front and shared by every filter of one prefix, and the ones named after what the traffic
 * carries, made as it comes: {@code cmd.<command>.*}, {@code collection.<collection>.query.*} and
 * {@code collection.<collection>.callsite.<callsite>.query.*}.
 */
final class MongoProxyStats {
    private static final Map<MeterRegistry, ConcurrentMap<String, MongoProxyStats>> ALL = new WeakHashMap<>();
    /**
     * Collections and callsites are the client's words: past this many of each kind a prefix makes
     * no more of them (Envoy has no bound), so a client cannot grow the stats without end.
     */
    static final int MAX_DYNAMIC = 1_000;

    final Counter cxDestroyLocalWithActiveRq;
    final Counter cxDestroyRemoteWithActiveRq;
    final Counter cxDrainClose;
    final Counter decodingError;
    final Counter delaysInjected;
    final Counter opCommand;
    final Counter opCommandReply;
    final Counter opGetMore;
    final Counter opInsert;
    final Counter opKillCursors;
    final Counter opQuery;
    final Counter opQueryAwaitData;
    final Counter opQueryExhaust;
    final Counter opQueryMultiGet;
    final Counter opQueryNoCursorTimeout;
    final Counter opQueryNoMaxTime;
    final Counter opQueryScatterGet;
    final Counter opQueryTailableCursor;
    final Counter opReply;
    final Counter opReplyCursorNotFound;
    final Counter opReplyQueryFailure;
    final Counter opReplyValidCursor;
    final AtomicLong opQueryActive = new AtomicLong();
    private final MeterRegistry registry;
    private final String prefix;
    private final ConcurrentMap<String, Scope> commands = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Scope> collections = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Scope> callsites = new ConcurrentHashMap<>();

    /** One command's, collection's or callsite's stats. */
    static final class Scope {
        final Counter total;
        final Counter scatterGet;
        final Counter multiGet;
        final DistributionSummary replyNumDocs;
        final DistributionSummary replySize;
        final DistributionSummary replyTimeMs;

        private Scope(MongoProxyStats s, String name, Tags tags, boolean query) {
            total = Counter.builder(name + "total").tags(tags).register(s.registry);
            scatterGet = query ? Counter.builder(name + "scatter_get").tags(tags).register(s.registry) : null;
            multiGet = query ? Counter.builder(name + "multi_get").tags(tags).register(s.registry) : null;
            replyNumDocs = histogram(s, name + "reply_num_docs", tags);
            replySize = histogram(s, name + "reply_size", tags);
            replyTimeMs = histogram(s, name + "reply_time_ms", tags);
        }

        private static DistributionSummary histogram(MongoProxyStats s, String name, Tags tags) {
            return DistributionSummary.builder(name).tags(tags).serviceLevelObjectives(EnvoyBuckets.MILLIS)
                    .register(s.registry);
        }
    }

    private MongoProxyStats(MeterRegistry registry, String prefix) {
        this.registry = registry;
        this.prefix = prefix;
        cxDestroyLocalWithActiveRq = counter("cx_destroy_local_with_active_rq");
        cxDestroyRemoteWithActiveRq = counter("cx_destroy_remote_with_active_rq");
        cxDrainClose = counter("cx_drain_close");
        decodingError = counter("decoding_error");
        delaysInjected = counter("delays_injected");
        opCommand = counter("op_command");
        opCommandReply = counter("op_command_reply");
        opGetMore = counter("op_get_more");
        opInsert = counter("op_insert");
        opKillCursors = counter("op_kill_cursors");
        opQuery = counter("op_query");
        opQueryAwaitData = counter("op_query_await_data");
        opQueryExhaust = counter("op_query_exhaust");
        opQueryMultiGet = counter("op_query_multi_get");
        opQueryNoCursorTimeout = counter("op_query_no_cursor_timeout");
        opQueryNoMaxTime = counter("op_query_no_max_time");
        opQueryScatterGet = counter("op_query_scatter_get");
        opQueryTailableCursor = counter("op_query_tailable_cursor");
        opReply = counter("op_reply");
        opReplyCursorNotFound = counter("op_reply_cursor_not_found");
        opReplyQueryFailure = counter("op_reply_query_failure");
        opReplyValidCursor = counter("op_reply_valid_cursor");
        Gauge.builder("envoy_mongo_op_query_active", opQueryActive, AtomicLong::get)
                .tag(MongoStatNames.PREFIX_TAG, prefix).register(registry);
    }

    static MongoProxyStats of(MeterRegistry registry, String prefix) {
        ConcurrentMap<String, MongoProxyStats> byPrefix;
        synchronized (ALL) {
            byPrefix = ALL.computeIfAbsent(registry, r -> new ConcurrentHashMap<>());
        }
        return byPrefix.computeIfAbsent(prefix, p -> new MongoProxyStats(registry, p));
    }

    /** {@code cmd.<command>.*}; {@code command} is one of the configured commands or {@code unknown_command}. */
    Scope command(String command) {
        return commands.computeIfAbsent(command, c -> new Scope(this, "envoy_mongo_cmd_",
                Tags.of(MongoStatNames.PREFIX_TAG, prefix, MongoStatNames.CMD_TAG, c), false));
    }

    /** {@code collection.<collection>.query.*}, or null past {@link #MAX_DYNAMIC} collections. */
    Scope collection(String collection) {
        Scope s = collections.get(collection);
        if (s == null && collections.size() < MAX_DYNAMIC) {
            s = collections.computeIfAbsent(collection, c -> new Scope(this, "envoy_mongo_collection_query_",
                    Tags.of(MongoStatNames.PREFIX_TAG, prefix, MongoStatNames.COLLECTION_TAG, c), true));
        }
        return s;
    }

    /** {@code collection.<collection>.callsite.<callsite>.query.*}, or null past {@link #MAX_DYNAMIC} of them. */
    Scope callsite(String collection, String callsite) {
        String key = collection + '\0' + callsite;
        Scope s = callsites.get(key);
        if (s == null && callsites.size() < MAX_DYNAMIC) {
            s = callsites.computeIfAbsent(key, k -> new Scope(this, "envoy_mongo_collection_callsite_query_",
                    Tags.of(Tag.of(MongoStatNames.PREFIX_TAG, prefix), Tag.of(MongoStatNames.COLLECTION_TAG, collection),
                            Tag.of(MongoStatNames.CALLSITE_TAG, callsite)), true));
        }
        return s;
    }

    private Counter counter(String stat) {
        return Counter.builder("envoy_mongo_" + stat).tag(MongoStatNames.PREFIX_TAG, prefix).register(registry);
    }
}
