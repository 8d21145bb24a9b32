package io.remora.config;

import io.remora.runtime.FractionalPercent;

import java.util.List;
import java.util.Set;

/**
 * Envoy's {@code config.accesslog.v3.AccessLogFilter}: whether a finished stream is logged.
 */
public sealed interface AccessLogFilter {

    /** {@code ComparisonFilter}: {@code op} against {@code runtime_key}'s integer, else {@code value}. */
    record Comparison(Op op, long value, String runtimeKey) {
        public enum Op { EQ, GE, LE }
    }

    /** {@code status_code_filter}: the response code (0 when none was sent). */
    record StatusCode(Comparison comparison) implements AccessLogFilter {
    }

    /** {@code duration_filter}: the stream's duration in milliseconds. */
    record Duration(Comparison comparison) implements AccessLogFilter {
    }

    /** {@code not_health_check_filter}: not a request the health_check filter recognised. */
    record NotHealthCheck() implements AccessLogFilter {
    }

    /**
     * {@code runtime_filter}: sampled by {@code runtime_key} (else {@code percent_sampled}), from the
     * x-request-id unless {@code use_independent_randomness} or the id is not a UUID.
     */
    record RuntimeSampled(String runtimeKey, FractionalPercent percent, boolean independentRandomness)
            implements AccessLogFilter {
    }

    /** {@code and_filter}. */
    record And(List<AccessLogFilter> filters) implements AccessLogFilter {
        public And {
            filters = List.copyOf(filters);
        }
    }

    /** {@code or_filter}. */
    record Or(List<AccessLogFilter> filters) implements AccessLogFilter {
        public Or {
            filters = List.copyOf(filters);
        }
    }

    /** {@code header_filter}: on the request headers (none for TCP). */
    record Header(HeaderMatcher matcher) implements AccessLogFilter {
    }

    /** {@code response_flag_filter}: any of these flag codes was set; with none listed, any flag at all. */
    record ResponseFlags(Set<String> codes) implements AccessLogFilter {
        public ResponseFlags {
            codes = Set.copyOf(codes);
        }
    }

    /** {@code grpc_status_filter}: the gRPC status (UNKNOWN when there is none) is, or with exclude is not, listed. */
    record GrpcStatus(Set<Long> statuses, boolean exclude) implements AccessLogFilter {
        public GrpcStatus {
            statuses = Set.copyOf(statuses);
        }
    }

    /** {@code log_type_filter}: the entry's {@link AccessLogType} is, or with exclude is not, listed. */
    record LogType(Set<AccessLogType> types, boolean exclude) implements AccessLogFilter {
        public LogType {
            types = Set.copyOf(types);
        }
    }

    /**
     * {@code metadata_filter} over the stream's dynamic metadata: where the matcher's path reaches a
     * value, whether the matcher accepts it; where it does not (or there is no matcher),
     * {@code matchIfKeyNotFound}.
     */
    record Metadata(MetadataMatch matcher, boolean matchIfKeyNotFound) implements AccessLogFilter {
    }

    /** {@code traceable_filter}: the request is traced because the service forced it (x-envoy-force-trace). */
    record Traceable() implements AccessLogFilter {
    }

    /**
     * An extension filter ({@code extension_filter}, e.g. CEL), compiled by its translator: logs
     * when the test passes.
     */
    record Extension(String name, java.util.function.Predicate<io.remora.accesslog.StreamInfo> test)
            implements AccessLogFilter {
    }
}
