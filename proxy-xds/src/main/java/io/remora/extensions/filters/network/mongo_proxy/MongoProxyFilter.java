package io.remora.extensions.filters.network.mongo_proxy;

import io.netty.buffer.ByteBuf;
import io.remora.accesslog.StreamInfo;
import io.remora.network.ConnectionFilter;
import io.remora.network.ConnectionFilterCallbacks;
import io.remora.network.ConnectionMetadata;
import io.remora.network.FilterState;
import io.remora.network.NetworkFilterStatus;
import io.remora.runtime.Runtime;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;

/**
 * Envoy's mongo {@code ProxyFilter} for one connection: copies the bytes each way, decodes whole
 * messages off the copies and counts them; replies are matched to their queries for the reply
 * stats. The bytes themselves pass on untouched, held only while a fault delay runs. A decoding
 * error stops the looking, never the traffic.
 */
final class MongoProxyFilter implements ConnectionFilter {
    static final String METADATA_NAMESPACE = "envoy.filters.network.mongo_proxy";
    private static final java.util.logging.Logger LOG = io.remora.log.Logging.logger("mongo");
    /** Envoy's access log time ({@code AccessLogDateTimeFormatter}): UTC with milliseconds. */
    private static final java.time.format.DateTimeFormatter LOG_TIME = java.time.format.DateTimeFormatter
            .ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(java.time.ZoneOffset.UTC);

    private final MongoProxyConfig config;
    private final MongoProxyStats stats;
    private Consumer<String> accessLog;
    private ConnectionFilterCallbacks cb;
    private ByteBuf readBuffer;
    private ByteBuf writeBuffer;
    private boolean sniffing = true;
    private final List<MongoQueryInfo> activeQueries = new ArrayList<>(2);
    private ScheduledFuture<?> delayTimer;
    /** Bytes at the front of the held read data this filter has already copied (the chain hands them again). */
    private int heldSeen;
    private boolean drainCloseScheduled;
    /** This batch's operations per {@code db.collection}, the namespace's content (Envoy's per-decode metadata). */
    private Map<String, List<String>> operations;

    MongoProxyFilter(MongoProxyConfig config, MongoProxyStats stats, Consumer<String> accessLog) {
        this.config = config;
        this.stats = stats;
        this.accessLog = accessLog;
    }

    @Override
    public void initialize(ConnectionFilterCallbacks callbacks) {
        this.cb = callbacks;
        if (accessLog != null && !runtime().featureEnabled("mongo.connection_logging_enabled", 100)) {
            accessLog = null;
        }
    }

    @Override
    public NetworkFilterStatus onData(ByteBuf data, boolean endStream) {
        int fresh = data.readableBytes() - heldSeen;
        if (fresh > 0) {
            readBuffer = copy(readBuffer, data, data.readerIndex() + heldSeen, fresh);
            readBuffer = decode(readBuffer);
        }
        if (delayTimer != null) {
            heldSeen = data.readableBytes();
            return NetworkFilterStatus.STOP_ITERATION;
        }
        heldSeen = 0;
        return NetworkFilterStatus.CONTINUE;
    }

    @Override
    public NetworkFilterStatus onWrite(ByteBuf data, boolean endStream) {
        if (data.isReadable()) {
            writeBuffer = copy(writeBuffer, data, data.readerIndex(), data.readableBytes());
            writeBuffer = decode(writeBuffer);
        }
        return NetworkFilterStatus.CONTINUE;
    }

    @Override
    public void onClose() {
        if (delayTimer != null) {
            delayTimer.cancel(false);
            delayTimer = null;
        }
        if (!activeQueries.isEmpty()) {
            (cb.closedLocally() ? stats.cxDestroyLocalWithActiveRq : stats.cxDestroyRemoteWithActiveRq).increment();
            stats.opQueryActive.addAndGet(-activeQueries.size());
            activeQueries.clear();
        }
        readBuffer = release(readBuffer);
        writeBuffer = release(writeBuffer);
    }

    private ByteBuf copy(ByteBuf into, ByteBuf data, int from, int length) {
        if (!sniffing) {
            return into;
        }
        if (into == null) {
            into = cb.channel().alloc().buffer(length);
        }
        return into.writeBytes(data, from, length);
    }

    /** Decodes what the copy holds; returns the copy to keep (null once empty or no longer looked at). */
    private ByteBuf decode(ByteBuf buf) {
        if (buf == null) {
            return null;
        }
        if (!sniffing || !runtime().featureEnabled("mongo.proxy_enabled", 100)) {
            // Envoy drops what it would have decoded: the stats lose it, the traffic does not.
            return release(buf);
        }
        if (config.emitDynamicMetadata() && operations != null) {
            operations = null;
            publishOperations();
        }
        try {
            MongoDecoder.decode(buf, this::dispatch);
        } catch (MongoDecodeException e) {
            LOG.log(Level.INFO, () -> "mongo decoding error: " + e.getMessage());
            stats.decodingError.increment();
            sniffing = false;
            // Neither direction is looked at again: the other copy goes too.
            if (buf == readBuffer) {
                writeBuffer = release(writeBuffer);
            } else {
                readBuffer = release(readBuffer);
            }
            return release(buf);
        }
        if (!buf.isReadable()) {
            return release(buf);
        }
        buf.discardSomeReadBytes();
        return buf;
    }

    private void dispatch(MongoMessage m) {
        if (m instanceof MongoMessage.Query q) {
            query(q);
        } else if (m instanceof MongoMessage.Reply r) {
            reply(r);
        } else if (m instanceof MongoMessage.Insert i) {
            tryInjectDelay();
            if (config.emitDynamicMetadata()) {
                addOperation("insert", i.fullCollectionName());
            }
            stats.opInsert.increment();
            log(i, true);
        } else if (m instanceof MongoMessage.GetMore) {
            counted(m, stats.opGetMore);
        } else if (m instanceof MongoMessage.KillCursors) {
            counted(m, stats.opKillCursors);
        } else if (m instanceof MongoMessage.Command) {
            counted(m, stats.opCommand);
        } else {
            counted(m, stats.opCommandReply);
        }
    }

    private void counted(MongoMessage m, io.micrometer.core.instrument.Counter counter) {
        tryInjectDelay();
        counter.increment();
        log(m, true);
    }

    private void query(MongoMessage.Query q) {
        tryInjectDelay();
        if (config.emitDynamicMetadata()) {
            addOperation("query", q.fullCollectionName());
        }
        stats.opQuery.increment();
        log(q, true);
        int flags = q.flags();
        if ((flags & MongoMessage.Query.TAILABLE_CURSOR) != 0) {
            stats.opQueryTailableCursor.increment();
        }
        if ((flags & MongoMessage.Query.NO_CURSOR_TIMEOUT) != 0) {
            stats.opQueryNoCursorTimeout.increment();
        }
        if ((flags & MongoMessage.Query.AWAIT_DATA) != 0) {
            stats.opQueryAwaitData.increment();
        }
        if ((flags & MongoMessage.Query.EXHAUST) != 0) {
            stats.opQueryExhaust.increment();
        }
        MongoQueryInfo info = new MongoQueryInfo(q);
        stats.opQueryActive.incrementAndGet();
        activeQueries.add(info);
        if (!info.command.isEmpty()) {
            stats.command(commandStat(info.command)).total.increment();
            return;
        }
        chargeQuery(stats.collection(info.collection), info.type);
        if (!info.callsite.isEmpty()) {
            chargeQuery(stats.callsite(info.collection, info.callsite), info.type);
        }
        if (info.maxTime < 1) {
            stats.opQueryNoMaxTime.increment();
        }
        if (info.type == MongoQueryInfo.Type.SCATTER_GET) {
            stats.opQueryScatterGet.increment();
        } else if (info.type == MongoQueryInfo.Type.MULTI_GET) {
            stats.opQueryMultiGet.increment();
        }
    }

    private static void chargeQuery(MongoProxyStats.Scope s, MongoQueryInfo.Type type) {
        if (s == null) {
            return;
        }
        s.total.increment();
        if (type == MongoQueryInfo.Type.SCATTER_GET) {
            s.scatterGet.increment();
        } else if (type == MongoQueryInfo.Type.MULTI_GET) {
            s.multiGet.increment();
        }
    }

    private String commandStat(String command) {
        return config.commands().contains(command) ? command : "unknown_command";
    }

    private void reply(MongoMessage.Reply r) {
        stats.opReply.increment();
        log(r, false);
        if (r.cursorId() != 0) {
            stats.opReplyValidCursor.increment();
        }
        if ((r.flags() & MongoMessage.Reply.CURSOR_NOT_FOUND) != 0) {
            stats.opReplyCursorNotFound.increment();
        }
        if ((r.flags() & MongoMessage.Reply.QUERY_FAILURE) != 0) {
            stats.opReplyQueryFailure.increment();
        }
        for (int i = 0; i < activeQueries.size(); i++) {
            MongoQueryInfo q = activeQueries.get(i);
            if (q.requestId != r.responseTo()) {
                continue;
            }
            if (!q.command.isEmpty()) {
                chargeReply(stats.command(commandStat(q.command)), q, r);
            } else {
                chargeReply(stats.collection(q.collection), q, r);
                if (!q.callsite.isEmpty()) {
                    chargeReply(stats.callsite(q.collection, q.callsite), q, r);
                }
            }
            activeQueries.remove(i);
            stats.opQueryActive.decrementAndGet();
            break;
        }
        if (activeQueries.isEmpty() && !drainCloseScheduled && cb.drainClose()
                && runtime().featureEnabled("mongo.drain_close_enabled", 100)) {
            stats.cxDrainClose.increment();
            drainCloseScheduled = true;
            // The reply is on its way out: close once the loop has written it (Envoy's zero timer).
            cb.channel().eventLoop().execute(() -> cb.close(null));
        }
    }

    private static void chargeReply(MongoProxyStats.Scope s, MongoQueryInfo q, MongoMessage.Reply r) {
        if (s == null) {
            return;
        }
        long size = 0;
        for (BsonDocument d : r.documents()) {
            size += d.byteSize();
        }
        s.replyNumDocs.record(r.documents().size());
        s.replySize.record(size);
        s.replyTimeMs.record(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - q.startNanos));
    }

    private void tryInjectDelay() {
        if (delayTimer != null || config.delay() == null) {
            return;
        }
        Runtime rt = runtime();
        if (!rt.featureEnabled("mongo.fault.fixed_delay.percent", config.delay().percentage())
                || config.delay().fromHeaders()) {
            return; // a header delay has no request headers to read here: no delay, as Envoy's
        }
        long ms = rt.getInteger("mongo.fault.fixed_delay.duration_ms", config.delay().fixedMillis());
        if (ms <= 0) {
            return;
        }
        delayTimer = cb.channel().eventLoop().schedule(() -> {
            delayTimer = null;
            heldSeen = 0;
            cb.continueReading();
        }, ms, TimeUnit.MILLISECONDS);
        stats.delaysInjected.increment();
    }

    private void log(MongoMessage m, boolean full) {
        if (accessLog == null || !runtime().featureEnabled("mongo.logging_enabled", 100)) {
            return;
        }
        StreamInfo session = cb.filterState().get(FilterState.TCP_PROXY_STREAM_INFO, StreamInfo.class);
        java.net.SocketAddress host = session == null ? null : session.upstreamHost;
        accessLog.accept("{\"time\": \"" + LOG_TIME.format(java.time.Instant.now()) + "\", \"message\": "
                + m.toString(full) + ", \"upstream_host\": \""
                + (host == null ? "-" : io.remora.accesslog.AccessLogFormatter.address(host, true)) + "\"}\n");
    }

    private void addOperation(String operation, String resource) {
        if (operations == null) {
            operations = new LinkedHashMap<>(2);
        }
        operations.computeIfAbsent(resource, k -> new ArrayList<>(2)).add(operation);
        publishOperations();
    }

    /**
     * The connection's {@code envoy.filters.network.mongo_proxy} metadata now holds this batch's
     * operations (a list per {@code db.collection}), as Envoy rewrites it at each decode: in the
     * connection's metadata and in its tcp_proxy session's, which its access log reads.
     */
    private void publishOperations() {
        ConnectionMetadata.clear(cb.channel(), METADATA_NAMESPACE);
        StreamInfo session = cb.filterState().get(FilterState.TCP_PROXY_STREAM_INFO, StreamInfo.class);
        if (session != null) {
            session.clearDynamicMetadata(METADATA_NAMESPACE);
        }
        if (operations == null) {
            return;
        }
        operations.forEach((resource, ops) -> {
            List<String> copy = List.copyOf(ops);
            ConnectionMetadata.put(cb.channel(), METADATA_NAMESPACE, resource, copy);
            if (session != null) {
                session.setDynamicMetadata(METADATA_NAMESPACE, resource, copy);
            }
        });
    }

    private Runtime runtime() {
        return cb.serverContext() == null ? Runtime.EMPTY : cb.serverContext().runtime();
    }

    private static ByteBuf release(ByteBuf b) {
        if (b != null) {
            b.release();
        }
        return null;
    }
}
