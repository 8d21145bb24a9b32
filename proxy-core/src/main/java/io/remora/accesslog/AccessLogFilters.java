package io.remora.accesslog;

import io.netty.handler.codec.http2.EmptyHttp2Headers;
import io.remora.config.AccessLogFilter;
import io.remora.route.CompiledHeaderMatcher;
import io.remora.runtime.Runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Evaluates {@link AccessLogFilter}s as Envoy's access log filters do, once a stream has finished
 * (and, for {@code local_reply_config}'s mappers, when a local reply is made). Compiled once per log (header matchers, flag sets); the runtime is read at each evaluation, so
 * {@code /runtime_modify} and disk layers take effect on the next stream.
 */
public final class AccessLogFilters {

    private static final long GRPC_UNKNOWN = 2;

    private AccessLogFilters() {
    }

    /** The filter as a test of a stream's info; runtime keys are read from {@code runtime} per test. */
    public static Predicate<StreamInfo> compile(AccessLogFilter filter, Supplier<Runtime> runtime) {
        if (filter instanceof AccessLogFilter.StatusCode f) {
            return i -> compare(f.comparison(), i.responseCode, runtime);
        }
        if (filter instanceof AccessLogFilter.Duration f) {
            return i -> compare(f.comparison(), durationMillis(i), runtime);
        }
        if (filter instanceof AccessLogFilter.NotHealthCheck) {
            return i -> !i.healthCheck();
        }
        if (filter instanceof AccessLogFilter.RuntimeSampled f) {
            // Envoy's RuntimeFilter: featureEnabled(key, numerator, random, denominator), the key an
            // integer numerator over percent_sampled's own denominator (not a percentage, nor a
            // fractional percent value), capped at that denominator.
            long buckets = f.percent().denominator().value();
            return i -> {
                long random = f.independentRandomness() ? ThreadLocalRandom.current().nextLong() : requestIdRandom(i);
                long cutoff = Math.min(runtime.get().getInteger(f.runtimeKey(), f.percent().numerator()), buckets);
                return Long.remainderUnsigned(random, buckets) < cutoff;
            };
        }
        if (filter instanceof AccessLogFilter.And f) {
            List<Predicate<StreamInfo>> all = compileAll(f.filters(), runtime);
            return i -> {
                for (Predicate<StreamInfo> p : all) {
                    if (!p.test(i)) {
                        return false;
                    }
                }
                return true;
            };
        }
        if (filter instanceof AccessLogFilter.Or f) {
            List<Predicate<StreamInfo>> any = compileAll(f.filters(), runtime);
            return i -> {
                for (Predicate<StreamInfo> p : any) {
                    if (p.test(i)) {
                        return true;
                    }
                }
                return false;
            };
        }
        if (filter instanceof AccessLogFilter.Header f) {
            CompiledHeaderMatcher m = CompiledHeaderMatcher.forRequest(f.matcher());
            return i -> m.matches(i.requestHeaders != null ? i.requestHeaders : EmptyHttp2Headers.INSTANCE);
        }
        if (filter instanceof AccessLogFilter.ResponseFlags f) {
            if (f.codes().isEmpty()) {
                return StreamInfo::hasAnyFlag;
            }
            List<ResponseFlag> flags = new ArrayList<>();
            for (ResponseFlag rf : ResponseFlag.values()) {
                if (f.codes().contains(rf.code)) {
                    flags.add(rf);
                }
            }
            ResponseFlag[] wanted = flags.toArray(new ResponseFlag[0]);
            return i -> {
                for (ResponseFlag rf : wanted) {
                    if (i.hasFlag(rf)) {
                        return true;
                    }
                }
                return false;
            };
        }
        if (filter instanceof AccessLogFilter.GrpcStatus f) {
            return i -> {
                // Envoy's GrpcStatusFilter: no status is Unknown; an unreadable one (InvalidCode) no listed status.
                long status = GrpcStatusField.ofResponse(i, false);
                boolean listed = f.statuses().contains(status == GrpcStatusField.NONE ? GRPC_UNKNOWN : status);
                return f.exclude() != listed;
            };
        }
        if (filter instanceof AccessLogFilter.LogType f) {
            return i -> f.types().contains(i.accessLogType()) != f.exclude();
        }
        if (filter instanceof AccessLogFilter.Metadata f) {
            // As Envoy's: the matcher's invert plays no part here.
            return i -> {
                Object v = f.matcher() == null ? null : f.matcher().lookup(i.dynamicMetadata());
                return v == null ? f.matchIfKeyNotFound() : f.matcher().value().matches(v);
            };
        }
        if (filter instanceof AccessLogFilter.Extension f) {
            return f.test();
        }
        if (filter instanceof AccessLogFilter.Traceable) {
            return StreamInfo::traceForced;
        }
        return i -> true;
    }

    private static List<Predicate<StreamInfo>> compileAll(List<AccessLogFilter> filters, Supplier<Runtime> runtime) {
        List<Predicate<StreamInfo>> out = new ArrayList<>(filters.size());
        for (AccessLogFilter f : filters) {
            out.add(compile(f, runtime));
        }
        return out;
    }

    private static boolean compare(AccessLogFilter.Comparison c, long actual, Supplier<Runtime> runtime) {
        long value = c.runtimeKey() == null ? c.value() : runtime.get().getInteger(c.runtimeKey(), c.value());
        return switch (c.op()) {
            case EQ -> actual == value;
            case GE -> actual >= value;
            case LE -> actual <= value;
        };
    }

    /** The stream's duration in milliseconds: to its last byte, or until now when it has not finished. */
    private static long durationMillis(StreamInfo i) {
        long nanos = i.durationNanos >= 0 ? i.durationNanos : System.nanoTime() - i.startNanos;
        return nanos / 1_000_000;
    }

    /**
     * Envoy's request-id sampling: the stream id's first eight hex digits as a number (an HTTP
     * stream's x-request-id, so that every proxy a request crosses decides alike; a tcp_proxy
     * connection's UUID); a random value when the id is not such a UUID.
     */
    static long requestIdRandom(StreamInfo i) {
        String id = i.requestId() != null ? i.requestId() : i.connectionStreamId();
        if (id != null && id.length() >= 8) {
            try {
                return Long.parseLong(id.substring(0, 8), 16);
            } catch (NumberFormatException e) {
                // not hex: random below
            }
        }
        return ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
    }
}
