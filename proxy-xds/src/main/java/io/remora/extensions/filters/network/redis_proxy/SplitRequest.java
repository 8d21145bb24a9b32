package io.remora.extensions.filters.network.redis_proxy;

import io.netty.channel.EventLoop;
import io.remora.redis.RespValue;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A request the splitter sent upstream (Envoy's {@code SplitRequest}): one server's, or one per
 * key recombined; {@link #cancel} when the downstream connection goes away.
 */
interface SplitRequest {
    String UPSTREAM_FAILURE = "upstream failure";
    String NO_UPSTREAM_HOST = "no upstream host";
    String UPSTREAM_PROTOCOL_ERROR = "upstream protocol error";

    void cancel();

    /** Where a request's one reply goes. */
    interface Reply {
        void onResponse(RespValue reply);
    }

    /** Counts one command's outcome and, unless a delay fault times it, its latency. */
    abstract class Base implements SplitRequest {
        final Reply reply;
        private final RedisProxyStats.CommandStats stats;
        private final long startNanos;

        Base(Reply reply, RedisProxyStats.CommandStats stats, boolean timed) {
            this.reply = reply;
            this.stats = stats;
            this.startNanos = timed ? System.nanoTime() : 0;
        }

        void finished(boolean success) {
            (success ? stats.success : stats.error).increment();
            if (startNanos != 0) {
                stats.recordLatency(startNanos);
            }
        }
    }

    /** A command that goes to one server; any reply counts as success, a failure as error. */
    final class Single extends Base implements RedisClient.Callbacks {
        RedisUpstream.Handle handle;

        Single(Reply reply, RedisProxyStats.CommandStats stats, boolean timed) {
            super(reply, stats, timed);
        }

        @Override
        public void onResponse(RespValue v) {
            handle = null;
            finished(true);
            reply.onResponse(v);
        }

        @Override
        public void onFailure() {
            handle = null;
            finished(false);
            reply.onResponse(RespValue.error(UPSTREAM_FAILURE));
        }

        @Override
        public void cancel() {
            if (handle != null) {
                handle.cancel();
                handle = null;
            }
        }
    }

    /**
     * MGET, MSET, DEL/EXISTS/TOUCH/UNLINK: one request per key, replies recombined as Envoy's
     * (MGET an array of the values, a non-string reply turned into "upstream protocol error";
     * MSET OK; the others the sum of the integers; else "finished with N error(s)").
     */
    final class Fragmented extends Base {
        enum Kind { MGET, MSET, SUM }

        private final Kind kind;
        private final RedisUpstream.Handle[] handles;
        private final RespValue[] values;
        private int outstanding;
        private int errors;
        private long total;

        Fragmented(Kind kind, int parts, Reply reply, RedisProxyStats.CommandStats stats, boolean timed) {
            super(reply, stats, timed);
            this.kind = kind;
            this.handles = new RedisUpstream.Handle[parts];
            this.values = kind == Kind.MGET ? new RespValue[parts] : null;
            this.outstanding = parts;
        }

        /** The callbacks of part {@code i}. */
        RedisClient.Callbacks part(int i) {
            return new RedisClient.Callbacks() {
                @Override
                public void onResponse(RespValue v) {
                    onPart(i, v);
                }

                @Override
                public void onFailure() {
                    onPart(i, RespValue.error(UPSTREAM_FAILURE));
                }
            };
        }

        void sent(int i, RedisUpstream.Handle h) {
            if (h == null) {
                onPart(i, RespValue.error(NO_UPSTREAM_HOST));
            } else {
                handles[i] = h;
            }
        }

        private void onPart(int i, RespValue v) {
            handles[i] = null;
            switch (kind) {
                case MGET -> {
                    RespValue.Type t = v.type();
                    if (t == RespValue.Type.ERROR) {
                        errors++;
                    } else if (t != RespValue.Type.BULK_STRING && t != RespValue.Type.NULL) {
                        errors++;
                        v = RespValue.error(UPSTREAM_PROTOCOL_ERROR);
                    }
                    values[i] = v;
                }
                case MSET -> {
                    if (v.type() != RespValue.Type.SIMPLE_STRING || !v.is("OK")) {
                        errors++;
                    }
                }
                case SUM -> {
                    if (v.type() == RespValue.Type.INTEGER) {
                        total += v.integer();
                    } else {
                        errors++;
                    }
                }
            }
            if (--outstanding > 0) {
                return;
            }
            finished(errors == 0);
            if (kind == Kind.MGET) {
                reply.onResponse(RespValue.array(List.of(values)));
            } else if (errors > 0) {
                reply.onResponse(RespValue.error("finished with " + errors + " error(s)"));
            } else {
                reply.onResponse(kind == Kind.MSET ? RespValue.OK : RespValue.integer(total));
            }
        }

        boolean done() {
            return outstanding == 0;
        }

        @Override
        public void cancel() {
            for (int i = 0; i < handles.length; i++) {
                if (handles[i] != null) {
                    handles[i].cancel();
                    handles[i] = null;
                }
            }
        }
    }

    /** A delay fault: the wrapped request's (or error fault's) reply goes out after the delay. */
    final class Delayed implements SplitRequest, Reply {
        private final Reply reply;
        private final RedisProxyStats.CommandStats stats;
        private final EventLoop loop;
        private final long delayNanos;
        private final long startNanos = System.nanoTime();
        SplitRequest wrapped;
        private io.netty.util.concurrent.ScheduledFuture<?> timer;

        Delayed(Reply reply, RedisProxyStats.CommandStats stats, EventLoop loop, long delayNanos) {
            this.reply = reply;
            this.stats = stats;
            this.loop = loop;
            this.delayNanos = delayNanos;
        }

        @Override
        public void onResponse(RespValue v) {
            timer = loop.schedule(() -> {
                timer = null;
                stats.delayFault.increment();
                stats.recordLatency(startNanos);
                reply.onResponse(v);
            }, delayNanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public void cancel() {
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
            if (wrapped != null) {
                wrapped.cancel();
            }
        }
    }
}
